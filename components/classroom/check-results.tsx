"use client";

import type { ReactNode } from "react";
import type { CheckResultView } from "@/lib/checks/assignment";

const MARK: Record<CheckResultView["tests"][number]["status"], [string, string]> = {
  passed: ["✓", "text-emerald-700 dark:text-emerald-400"],
  failed: ["✗", "text-red-700 dark:text-red-400"],
  skipped: ["–", "text-stone-500"],
};

/** One check: a summary line, then each test with its mark and, for failures, why (when shown). */
export function CheckResults({ check }: { check: CheckResultView }): ReactNode {
  const summary =
    check.status === "error"
      ? "The checks could not run"
      : `${check.passed} of ${check.passed + check.failed} test${check.passed + check.failed === 1 ? "" : "s"} passed`;
  return (
    <div className="space-y-2 text-sm" data-testid="check-result" data-status={check.status}>
      <p
        className={`rounded-md px-3 py-2 font-semibold ${
          check.status === "passed"
            ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200"
            : "bg-red-50 text-red-900 dark:bg-red-950/50 dark:text-red-200"
        }`}
      >
        {check.status === "passed" ? "✓ " : "✗ "}
        {summary}
        {check.skipped > 0 && `, ${check.skipped} skipped`}
        <span className="ml-2 text-xs font-normal">
          at {new Date(check.created_at).toLocaleTimeString()} · {(check.duration_ms / 1000).toFixed(1)} s
        </span>
      </p>
      {check.problem && <p className="text-red-800 dark:text-red-300">{check.problem}</p>}
      <ul className="space-y-1" aria-label="Tests">
        {check.tests.map((test, index) => {
          const [mark, style] = MARK[test.status];
          return (
            <li key={`${index}-${test.name}`} data-testid="check-test" data-status={test.status}>
              <span className={`mr-1 font-bold ${style}`} aria-label={test.status}>
                {mark}
              </span>
              <span className="font-mono text-xs">{test.name}</span>
              {test.message && (
                <pre className="mt-1 ml-4 overflow-x-auto rounded bg-stone-100 p-2 text-xs whitespace-pre-wrap dark:bg-stone-900">
                  {test.message}
                </pre>
              )}
            </li>
          );
        })}
      </ul>
      {check.output !== null && check.output !== "" && (
        <details>
          <summary className="cursor-pointer text-xs text-stone-600 dark:text-stone-400">What the tests printed</summary>
          <pre className="mt-1 max-h-80 overflow-auto rounded bg-stone-100 p-2 text-xs whitespace-pre-wrap dark:bg-stone-900">
            {check.output}
          </pre>
        </details>
      )}
    </div>
  );
}
