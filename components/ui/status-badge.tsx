import type { ReactNode } from "react";

const STYLES: Record<string, string> = {
  none: "bg-stone-100 text-stone-600 dark:bg-stone-800 dark:text-stone-300",
  pending: "bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-300",
  running: "bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-300",
  completed: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300",
  failed: "bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-300",
  skipped: "bg-stone-100 text-stone-500 dark:bg-stone-800 dark:text-stone-400",
};

const LABELS: Record<string, string> = { none: "no setup" };

export function StatusBadge({ status, label }: { status: string; label?: string }): ReactNode {
  return (
    <span
      data-status={status}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${STYLES[status] ?? STYLES.none}`}
    >
      {status === "running" && <span aria-hidden="true" className="size-1.5 animate-pulse rounded-full bg-current" />}
      {label ?? LABELS[status] ?? status}
    </span>
  );
}
