/**
 * Why a setup step failed, in one line, from its log: the package managers' own words for "no such
 * package" and "cannot reach the registry", and the lines that decide it. Shared by the server (the
 * setup's error) and the page (the deciding lines shown first).
 */
export type FailureCause = "package not found" | "registry unreachable" | "no space left" | "command failed";

export interface Diagnosis {
  cause: FailureCause;
  /** The log lines that tell the cause, in log order (at most a few). */
  lines: string[];
}

// A registry that cannot be reached makes pip say no version matches too: it is told first. Within a
// cause, the first patterns are the more telling: their line leads.
const RULES: Array<{ cause: Exclude<FailureCause, "command failed">; patterns: RegExp[] }> = [
  { cause: "no space left", patterns: [/No space left on device/, /ENOSPC/] },
  {
    cause: "registry unreachable",
    patterns: [
      /Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Connection refused|no such host|dial tcp|i\/o timeout|TLS handshake timeout|request to \S+ failed/i,
      /ProxyError|SSLError|CERTIFICATE_VERIFY_FAILED|ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT/,
    ],
  },
  {
    cause: "package not found",
    patterns: [
      /is not in this registry|No matching distribution found|No matching version found|no matching versions for query|unknown revision|invalid version: unknown|cannot find module providing package/i,
      /Could not find a version that satisfies|\bE404\b|404 Not Found|notarget/i,
    ],
  },
];

const MAX_LINES = 3;
/** Characters of a log line looked at: the words that tell a cause come early, and a long line cannot make the patterns slow. */
export const LINE_CHARS = 2_000;

/** The cause of a failed step and its deciding lines; "command failed" with the last error-like lines when nothing else fits. */
export function diagnose(log: string): Diagnosis {
  const lines = log
    .split(/\r?\n/)
    .map((line) => line.slice(0, LINE_CHARS).trimEnd())
    .filter((line) => line.trim() !== "");
  for (const rule of RULES) {
    const matched = [...new Set(lines.filter((line) => rule.patterns.some((pattern) => pattern.test(line))))];
    if (matched.length === 0) continue;
    // The most telling line leads; the others follow in the log's order.
    const lead = rule.patterns.map((pattern) => matched.find((line) => pattern.test(line))).find(Boolean) ?? matched[0];
    const rest = matched.filter((line) => line !== lead);
    return { cause: rule.cause, lines: [lead as string, ...rest].slice(0, MAX_LINES) };
  }
  const errors = lines.filter((line) => /error|failed|fatal|not found|denied/i.test(line));
  return { cause: "command failed", lines: (errors.length > 0 ? errors : lines).slice(-MAX_LINES) };
}

/** The setup's error in one line: the step, the cause and the line that decides it. */
export function failureMessage(step: string, exitCode: number, log: string): string {
  const { cause, lines } = diagnose(log);
  const decisive = lines[0]?.trim().slice(0, 300);
  const what = cause === "command failed" ? `failed (exit ${exitCode})` : `failed: ${cause}`;
  return `the ${step} step ${what}${decisive ? ` — ${decisive}` : ""}`;
}
