"use client";

import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { TerminalView } from "./terminal-view";

interface Tab {
  terminalId: string;
  shellId: string;
}

/** Terminal tabs: each tab is its own shell of the session (own cwd and variables, shared files). */
export function TerminalPanel({ sessionId }: { sessionId: string }): ReactNode {
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);

  const open = async (): Promise<void> => {
    setOpening(true);
    setError(null);
    const shellId = `term-${Date.now().toString(36)}`;
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/terminals`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ shell_id: shellId, cols: 100, rows: 24 }),
      });
      const body = (await response.json()) as { terminal_id?: string; message?: string };
      if (!response.ok || !body.terminal_id) throw new Error(body.message ?? `could not open a terminal (${response.status})`);
      const tab = { terminalId: body.terminal_id, shellId };
      setTabs((current) => [...current, tab]);
      setActive(tab.terminalId);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setOpening(false);
    }
  };

  const close = (tab: Tab): void => {
    void fetch(`/api/sessions/${encodeURIComponent(sessionId)}/terminals/${tab.terminalId}`, { method: "DELETE" });
    setTabs((current) => current.filter((t) => t.terminalId !== tab.terminalId));
    if (active === tab.terminalId) setActive(tabs.find((t) => t.terminalId !== tab.terminalId)?.terminalId ?? null);
  };

  return (
    <section aria-label="Terminals" className="rounded-lg border border-stone-200 dark:border-stone-800">
      <div className="flex flex-wrap items-center gap-1 border-b border-stone-200 bg-white px-2 py-1 dark:border-stone-800 dark:bg-stone-900">
        {/* The tab list holds only tabs; each tab's close button and "+ Terminal" sit beside it. */}
        <div role="tablist" aria-label="Terminals" className="flex flex-wrap items-center gap-1">
          {tabs.map((tab, index) => (
            <button
              key={tab.terminalId}
              type="button"
              role="tab"
              id={`tab-${tab.terminalId}`}
              aria-selected={active === tab.terminalId}
              aria-controls={`panel-${tab.terminalId}`}
              onClick={() => setActive(tab.terminalId)}
              className={`rounded px-2 py-1 text-xs ${active === tab.terminalId ? "bg-stone-200 font-semibold dark:bg-stone-700" : "text-stone-600 dark:text-stone-300"}`}
            >
              Terminal {index + 1}
            </button>
          ))}
        </div>
        {tabs.map(
          (tab, index) =>
            active === tab.terminalId && (
              <button
                key={tab.terminalId}
                type="button"
                aria-label={`Close terminal ${index + 1}`}
                title={`Close terminal ${index + 1}`}
                className="px-1 text-xs text-stone-600 hover:text-red-700 dark:text-stone-300"
                onClick={() => close(tab)}
              >
                ×
              </button>
            ),
        )}
        <Button variant="ghost" className="py-0.5! text-xs!" onClick={() => void open()} disabled={opening}>
          {opening ? "Opening…" : "+ Terminal"}
        </Button>
        {error && (
          <span role="alert" className="text-xs text-red-600">
            {error}
          </span>
        )}
      </div>
      {tabs.length === 0 && (
        <p className="px-3 py-2 text-xs text-stone-600 dark:text-stone-400">Open a terminal for a shell in this session.</p>
      )}
      {tabs.map((tab) => (
        <div
          key={tab.terminalId}
          role="tabpanel"
          id={`panel-${tab.terminalId}`}
          aria-labelledby={`tab-${tab.terminalId}`}
          hidden={active !== tab.terminalId}
        >
          <TerminalView sessionId={sessionId} terminalId={tab.terminalId} active={active === tab.terminalId} />
        </div>
      ))}
    </section>
  );
}
