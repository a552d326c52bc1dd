"use client";

import type { ReactNode } from "react";

export type SideTab = "output" | "preview" | "checks";

const TABS: Array<[SideTab, string]> = [
  ["output", "Output"],
  ["preview", "Preview"],
  ["checks", "Checks"],
];

/**
 * The pane beside the editor: a run's output, the preview of a web app running in the sandbox, and
 * (in a class with checks) Check.
 */
export function SidePane({
  tab,
  onTab,
  output,
  preview,
  checks,
}: {
  tab: SideTab;
  onTab: (tab: SideTab) => void;
  output: ReactNode;
  preview: ReactNode;
  checks?: ReactNode;
}): ReactNode {
  const panes: Record<SideTab, ReactNode> = { output, preview, checks };
  const tabs = TABS.filter(([id]) => panes[id] !== undefined);
  return (
    <div className="flex h-full min-h-0 flex-col gap-1">
      <div role="tablist" aria-label="Output and preview" className="flex shrink-0 gap-1 text-sm">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`side-tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`side-${id}`}
            onClick={() => onTab(id)}
            className={`rounded px-2 py-0.5 ${tab === id ? "bg-stone-200 font-semibold dark:bg-stone-700" : "text-stone-600 dark:text-stone-300"}`}
          >
            {label}
          </button>
        ))}
      </div>
      {tabs.map(([id]) => (
        // Both stay mounted: a running program's console and an open preview keep their state.
        <div
          key={id}
          role="tabpanel"
          id={`side-${id}`}
          aria-labelledby={`side-tab-${id}`}
          hidden={tab !== id}
          className="min-h-0 flex-1 overflow-auto"
        >
          {panes[id]}
        </div>
      ))}
    </div>
  );
}
