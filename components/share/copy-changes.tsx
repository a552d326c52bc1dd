"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "@/lib/trpc/client";

function lineStyle(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return "text-stone-600 dark:text-stone-400";
  if (line.startsWith("+")) return "bg-emerald-50 text-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200";
  if (line.startsWith("-")) return "bg-red-50 text-red-900 dark:bg-red-950/50 dark:text-red-200";
  if (line.startsWith("@@")) return "text-sky-800 dark:text-sky-300";
  return "";
}

/**
 * A student's files against the template's: counts, then a diff per text file (template → student).
 * `only` shows just those files (a template update's conflicts), without the counts.
 */
export function CopyChanges({ copyId, only }: { copyId: string; only?: string[] }): ReactNode {
  const trpc = useTRPC();
  const changes = useQuery(trpc.sessions.copyChanges.queryOptions({ id: copyId }));
  if (changes.isPending) return <p className="text-xs text-stone-600 dark:text-stone-400">Comparing with the template…</p>;
  if (changes.isError)
    return (
      <p role="alert" className="text-xs text-red-700 dark:text-red-300">
        {changes.error.message}
      </p>
    );
  const { added, removed, changed, unchanged, not_compared: notCompared, truncated } = changes.data;
  const files = only ? changes.data.files.filter((file) => only.includes(file.path)) : changes.data.files;
  return (
    <div className="space-y-2" data-testid="copy-changes">
      {only ? (
        files.length === 0 && <p className="text-xs">Now as in the template.</p>
      ) : (
        <p className="text-xs" data-testid="copy-changes-summary">
          {changed} changed · {added} added · {removed} removed · {unchanged} as in the template
          {truncated ? " · only the first 200 files compared" : ""}
        </p>
      )}
      {files.map((file) => (
        <details
          key={file.path}
          open={file.status === "changed" || only !== undefined}
          className="rounded border border-stone-200 dark:border-stone-800"
        >
          <summary className="cursor-pointer px-2 py-1 font-mono text-xs">
            {file.path} <span className="text-stone-600 dark:text-stone-400">({file.status})</span>
          </summary>
          {file.patch ? (
            <pre className="max-h-72 overflow-auto border-t border-stone-200 text-xs dark:border-stone-800">
              {file.patch
                .split("\n")
                .slice(2) // "Index:" and its rule; the ---/+++ lines say which side is which
                .map((line, index) => (
                  <div key={index} className={`px-2 whitespace-pre ${lineStyle(line)}`}>
                    {line || " "}
                  </div>
                ))}
            </pre>
          ) : (
            <p className="border-t border-stone-200 px-2 py-1 text-xs text-stone-600 dark:border-stone-800 dark:text-stone-400">
              {file.no_patch === "too_different"
                ? "Changed nearly everywhere: too different to show line by line."
                : "Not text: no line diff."}
            </p>
          )}
        </details>
      ))}
      {notCompared.length > 0 && (
        <p className="text-xs text-stone-600 dark:text-stone-400">Too big to compare: {notCompared.join(", ")}</p>
      )}
    </div>
  );
}
