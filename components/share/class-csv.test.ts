import { describe, expect, it } from "vitest";
import { toCsv, type ClassProgress } from "./class-csv";

const student = (name: string | null, extra: Partial<ClassProgress> = {}): ClassProgress => ({
  session_id: "s-1",
  name,
  sandbox: "running",
  last_active_at: "2026-01-01T10:00:00.000Z",
  runs: 0,
  state: "not started",
  last_run: null,
  ...extra,
});

describe("toCsv", () => {
  it("writes a header and one line per student, with the last run when there is one", () => {
    const csv = toCsv([
      student("Ada", {
        runs: 2,
        state: "last run failed",
        last_run: { at: "2026-01-01T10:05:00.000Z", exit_code: 1, timed_out: false, source: "main.py" },
      }),
      student(null),
    ]);
    expect(csv).toBe(
      [
        "name,session,state,runs,last_run_at,last_exit_code,last_active_at,check,tests_passed,tests_failed,checked_at,deadline",
        "Ada,s-1,last run failed,2,2026-01-01T10:05:00.000Z,1,2026-01-01T10:00:00.000Z,,,,,",
        ",s-1,not started,0,,,2026-01-01T10:00:00.000Z,,,,,",
        "",
      ].join("\n"),
    );
  });
  it("adds the latest check and the student's deadline in a class with checks", () => {
    const csv = toCsv([
      student("Kim", {
        runs: 1,
        state: "checks failing",
        check: {
          id: "c-1",
          session_id: "s-1",
          status: "failed",
          passed: 2,
          failed: 1,
          skipped: 0,
          tests: [],
          output: null,
          problem: null,
          duration_ms: 900,
          created_at: "2026-01-01T10:06:00.000Z",
        },
        deadline: "2026-01-02T17:00:00.000Z",
      }),
    ]);
    expect(csv.split("\n")[1]).toBe(
      "Kim,s-1,checks failing,1,,,2026-01-01T10:00:00.000Z,failed,2,1,2026-01-01T10:06:00.000Z,2026-01-02T17:00:00.000Z",
    );
  });
  it("quotes commas, quotes and line breaks, and defuses spreadsheet formulas", () => {
    const line = (name: string): string =>
      toCsv([student(name)])
        .split("\n")[1]
        ?.split(",s-1")[0] ?? "";
    expect(line('Lee, "Bo"')).toBe('"Lee, ""Bo"""');
    expect(line("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(line("+1")).toBe("'+1");
    expect(line("@cmd")).toBe("'@cmd");
  });
});
