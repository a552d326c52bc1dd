"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";

/** How often the listening ports are looked at while the pane is shown. */
const PORTS_EVERY_MS = 2_000;

/**
 * Web apps running in the sandbox: its listening ports, and the chosen one's page in a frame of
 * its own origin (`<port>--<label>.localhost`), so the app never shares cookies or storage
 * with Sandpit. While a page is shown the sandbox is kept awake.
 */
export function PreviewPane({
  sessionId,
  token,
}: {
  sessionId: string;
  /** A share link's token, for its visitors. */
  token?: string;
}): ReactNode {
  const trpc = useTRPC();
  const [chosen, setChosen] = useState<number | null>(null);
  /** The link the frame opened (a fresh one on reload; `at` counts the openings); kept while the list refreshes. */
  const [opened, setOpened] = useState<{ port: number; url: string; at: number } | null>(null);
  // Preview links keep the port this page reached Sandpit by (nothing is asked before the page runs).
  const webPort = typeof window === "undefined" ? null : window.location.port;
  const ports = useQuery({
    ...trpc.previews.ports.queryOptions({
      id: sessionId,
      web_port: webPort ?? "",
      keep_awake: opened !== null,
      ...(token ? { token } : {}),
    }),
    // A sandbox that is not running lists no ports (and is not woken by the asking).
    enabled: webPort !== null,
    refetchInterval: PORTS_EVERY_MS,
    retry: false,
  });
  const list = ports.data?.ports ?? [];
  const current = list.find((p) => p.port === chosen) ?? list[0];

  // The first port that appears is shown; a port that goes away leaves the frame until another
  // listens (set while rendering: the frame's link is kept, not replaced by every refreshed one).
  if (current && (!opened || opened.port !== current.port)) {
    setChosen(current.port);
    setOpened({ port: current.port, url: current.url, at: (opened?.at ?? 0) + 1 });
  }

  const reload = (): void => {
    if (current) setOpened({ port: current.port, url: current.url, at: (opened?.at ?? 0) + 1 });
  };
  const listening = opened ? list.some((p) => p.port === opened.port) : false;

  return (
    <section aria-label="Preview" className="flex h-full min-h-64 flex-col gap-2" data-testid="preview-pane">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {list.length > 0 && (
          <label className="flex items-center gap-1">
            <span className="text-xs text-stone-600 dark:text-stone-400">Port</span>
            <select
              aria-label="Port to preview"
              value={current?.port ?? ""}
              onChange={(event) => {
                const next = list.find((p) => p.port === Number(event.target.value));
                if (!next) return;
                setChosen(next.port);
                setOpened({ port: next.port, url: next.url, at: (opened?.at ?? 0) + 1 });
              }}
              className="rounded border border-stone-300 bg-white px-1 py-0.5 font-mono text-xs dark:border-stone-700 dark:bg-stone-900"
            >
              {list.map((p) => (
                <option key={p.port} value={p.port}>
                  {p.port}
                </option>
              ))}
            </select>
          </label>
        )}
        {opened && (
          <>
            <Button onClick={reload} title="Reload the preview" disabled={!current}>
              ↻ Reload
            </Button>
            {current && (
              <a
                href={current.url}
                target="_blank"
                rel="noopener noreferrer"
                className="text-xs text-sky-800 underline dark:text-sky-300"
              >
                Open in new tab
              </a>
            )}
            <span className="truncate font-mono text-xs text-stone-600 dark:text-stone-400" data-testid="preview-origin">
              {current?.origin.replace(/^https?:\/\//, "")}
            </span>
          </>
        )}
      </div>
      {ports.error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {ports.error.message}
        </p>
      ) : !opened ? (
        <p className="text-sm text-stone-600 dark:text-stone-400" data-testid="preview-empty">
          No program is listening on a port yet. Start a web server, for example{" "}
          <code className="font-mono">python3 -m http.server 8000</code>, with <strong>Serve</strong> or in a terminal: its page
          shows here.
        </p>
      ) : (
        <>
          {!listening && (
            <p role="status" className="text-xs text-amber-800 dark:text-amber-300">
              Nothing listens on port {opened.port} any more.
            </p>
          )}
          <iframe
            key={`${opened.port}-${opened.at}`}
            title={`Preview of port ${opened.port}`}
            src={opened.url}
            // Its own origin already keeps it from Sandpit; it may not navigate this page away.
            sandbox="allow-scripts allow-same-origin allow-forms allow-modals allow-popups allow-downloads"
            className="min-h-0 w-full flex-1 rounded border border-stone-200 bg-white dark:border-stone-800"
          />
        </>
      )}
    </section>
  );
}
