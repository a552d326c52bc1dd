"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { openXterm, sendTyping } from "./xterm";

/**
 * One xterm.js terminal bound to a PTY in the session. Output arrives as server-sent events (the
 * browser reconnects by itself after a network blip and the server replays what was missed);
 * keystrokes go up as small POSTs.
 */
export function TerminalView({
  sessionId,
  terminalId,
  active,
}: {
  sessionId: string;
  terminalId: string;
  active: boolean;
}): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"connecting" | "connected" | "reconnecting" | "ended">("connecting");

  useEffect(() => {
    if (!host.current) return;
    const base = `/api/sessions/${encodeURIComponent(sessionId)}/terminals/${terminalId}`;
    const { term, fit } = openXterm(host.current);
    const input = sendTyping(term, `${base}/input`);
    const resize = (): void => {
      fit.fit();
      void fetch(`${base}/resize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ cols: term.cols, rows: term.rows }),
      });
    };
    const observer = new ResizeObserver(() => resize());
    observer.observe(host.current);
    const events = new EventSource(`${base}/output`);
    events.onopen = () => setState("connected");
    events.onerror = () => setState((current) => (current === "ended" ? current : "reconnecting"));
    events.addEventListener("data", (event) => {
      const { data } = JSON.parse((event as MessageEvent<string>).data) as { data: string };
      term.write(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    });
    events.addEventListener("gap", (event) => {
      const { bytes } = JSON.parse((event as MessageEvent<string>).data) as { bytes?: number };
      // The server keeps a bounded amount of output; a reader that fell behind is told what it missed.
      term.write(
        `\r\n[${bytes === undefined ? "some" : bytes} bytes of output skipped: they came faster than this page read them]\r\n`,
      );
    });
    events.addEventListener("exit", () => {
      setState("ended");
      events.close();
      term.write("\r\n[the shell ended]\r\n");
    });
    resize();
    return () => {
      events.close();
      observer.disconnect();
      input.dispose();
      term.dispose();
    };
  }, [sessionId, terminalId]);

  return (
    <div className={active ? "block" : "hidden"}>
      <div
        ref={host}
        data-testid={`terminal-${terminalId}`}
        data-state={state}
        className="h-64 overflow-hidden rounded-b-lg bg-stone-950 p-2"
      />
      {state !== "connected" && (
        <p className="px-2 py-1 text-xs text-stone-600 dark:text-stone-400">
          {state === "ended" ? "This terminal ended." : `${state}…`}
        </p>
      )}
    </div>
  );
}
