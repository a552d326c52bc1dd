import type { ReactNode } from "react";

const STATES = {
  starting: { label: "starting", dot: "bg-amber-400 animate-pulse" },
  running: { label: "ready", dot: "bg-emerald-500" },
  hibernated: { label: "hibernated", dot: "bg-stone-400" },
  none: { label: "not started", dot: "bg-stone-300 dark:bg-stone-600" },
} as const;

/** Whether the session's sandbox is up: starting, ready, or hibernated (woken by the next request). */
export function SandboxIndicator({ state }: { state: keyof typeof STATES }): ReactNode {
  const { label, dot } = STATES[state];
  return (
    <span
      data-testid="sandbox-state"
      data-state={state}
      className="inline-flex items-center gap-1.5 text-xs text-stone-600 dark:text-stone-300"
      title="sandbox state"
    >
      <span aria-hidden="true" className={`size-2 rounded-full ${dot}`} />
      sandbox {label}
    </span>
  );
}
