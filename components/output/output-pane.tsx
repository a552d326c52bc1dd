"use client";

import type { ReactNode } from "react";
import { COMPILE_FAILED_EXIT_CODE } from "@/lib/languages";
import { formatDuration } from "@/lib/starter-code";
import { DisplayOutputs, type DisplayOutput } from "./display-outputs";

export interface RunOutcome {
  exit_code: number;
  duration_ms: number;
  timed_out: boolean;
  truncated: boolean;
}

/** A run's output: the run's console (a terminal the user types into), then how it ended. */
export function OutputPane({
  console,
  shown,
  outcome,
  running,
  error,
  compiled = false,
}: {
  /** The console of the latest run, if any. */
  console?: ReactNode;
  /** What the latest run showed besides its text (images, HTML, Markdown). */
  shown?: { outputs: DisplayOutput[]; skipped?: number };
  outcome?: RunOutcome;
  running: boolean;
  error?: string;
  /** Whether the run's language compiles first, so a failed build reads as one. */
  compiled?: boolean;
}): ReactNode {
  const buildFailed = compiled && outcome?.exit_code === COMPILE_FAILED_EXIT_CODE;
  return (
    <section
      aria-label="Output"
      data-testid="output"
      className="flex flex-col overflow-hidden rounded-lg border border-stone-200 bg-stone-950 text-stone-100 dark:border-stone-800"
    >
      <div className="flex items-center justify-between border-b border-stone-800 px-3 py-1.5 text-xs">
        <span className="font-semibold">Output</span>
        <span data-testid="run-status" className="text-stone-400 tabular-nums">
          {running && "running…"}
          {!running && outcome && (
            <>
              <span className={outcome.exit_code === 0 ? "text-emerald-400" : "text-red-400"}>exit {outcome.exit_code}</span> ·{" "}
              {formatDuration(outcome.duration_ms)}
            </>
          )}
        </span>
      </div>
      {/* The console keeps its height; what the run showed follows below it. */}
      <div className="flex h-56 flex-col">
        {console ?? (
          <p className="p-3 font-mono text-sm text-stone-400">
            {!running && !error && "Run with ▶ or Ctrl+Enter; type into the program here while it runs."}
          </p>
        )}
      </div>
      {shown && <DisplayOutputs outputs={shown.outputs} skipped={shown.skipped} />}
      {(outcome?.timed_out || outcome?.truncated || buildFailed || error) && (
        <div role="status" className="space-y-1 border-t border-stone-800 px-3 py-2 text-xs text-amber-300">
          {outcome?.timed_out && <p>The run passed its time limit and was stopped (exit 124).</p>}
          {outcome?.truncated && <p>The output passed the size limit and was cut.</p>}
          {buildFailed && <p>The program did not compile: the compiler&apos;s messages are above.</p>}
          {error && <p className="text-red-300">{error}</p>}
        </div>
      )}
    </section>
  );
}
