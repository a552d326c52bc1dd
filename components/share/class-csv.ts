import type { CheckResultView } from "@/lib/checks/assignment";

/** One student's line on the class dashboard, as the server gives it. */
export type ClassProgress = {
  session_id: string;
  name: string | null;
  sandbox: string;
  last_active_at: string;
  runs: number;
  /** By the last run in a class without checks; by the latest check in a class with them. */
  state: "not started" | "last run passed" | "last run failed" | "working" | "checks passing" | "checks failing";
  last_run: { at: string; exit_code: number | null; timed_out: boolean; source: string } | null;
  /** The latest check (absent from servers or classes without checks). */
  check?: CheckResultView | null;
  deadline?: string | null;
  own_deadline?: boolean;
};

export const CSV_HEADER =
  "name,session,state,runs,last_run_at,last_exit_code,last_active_at,check,tests_passed,tests_failed,checked_at,deadline";

/** The class as a CSV file: one line per student, for a gradebook or a spreadsheet. */
export function toCsv(copies: ClassProgress[]): string {
  const cell = (value: string | number | null): string => {
    const text = value === null ? "" : String(value);
    // A leading =, +, - or @ would be a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const rows = copies.map((c) =>
    [
      c.name,
      c.session_id,
      c.state,
      c.runs,
      c.last_run?.at ?? null,
      c.last_run?.exit_code ?? null,
      c.last_active_at,
      c.check?.status ?? null,
      c.check ? c.check.passed : null,
      c.check ? c.check.failed : null,
      c.check?.created_at ?? null,
      c.deadline ?? null,
    ]
      .map(cell)
      .join(","),
  );
  return [`${CSV_HEADER}`, ...rows].join("\n") + "\n";
}
