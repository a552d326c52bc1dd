"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { formatDuration } from "@/lib/starter-code";
import { useTRPC } from "@/lib/trpc/client";

export function RecentRuns({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.recent.queryOptions({ id: sessionId }));
  return (
    <section
      aria-labelledby="runs-title"
      className="rounded-lg border border-stone-200 bg-white p-3 text-sm dark:border-stone-800 dark:bg-stone-900"
    >
      <h2 id="runs-title" className="text-xs font-semibold tracking-wide text-stone-600 uppercase dark:text-stone-400">
        Recent runs
      </h2>
      {runs.data?.length === 0 && <p className="mt-2 text-xs text-stone-600 dark:text-stone-400">No runs yet.</p>}
      <ul className="mt-2 space-y-1 text-xs" data-testid="recent-runs">
        {runs.data?.slice(0, 8).map((run) => (
          <li key={run.id} className="flex items-center justify-between gap-2">
            <span className="truncate font-mono">{run.source === "code" ? `${run.language} (code)` : run.source}</span>
            <span
              className={`shrink-0 tabular-nums ${run.exit_code === 0 ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}`}
            >
              {run.timed_out ? "timed out" : `exit ${run.exit_code}`} · {formatDuration(run.duration_ms ?? 0)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
