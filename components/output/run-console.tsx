"use client";

import { useEffect, useRef, type ReactNode } from "react";
import { openXterm, sendTyping } from "@/components/terminal/xterm";
import type { DisplayOutput } from "./display-outputs";

/**
 * The output of an interactive run as a console: xterm.js bound to the run's PTY. Output arrives as
 * server-sent events (resumed by the browser after a blip, the server replaying what was missed);
 * what the user types goes up as small POSTs to the run's stdin, Ctrl+C and Ctrl+D included.
 */
export function RunConsole({
  sessionId,
  runId,
  onExit,
}: {
  sessionId: string;
  runId: string;
  /** The exit code, and what the run showed besides its text. */
  onExit: (code: number, shown: { outputs: DisplayOutput[]; skipped?: number }) => void;
}): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const exited = useRef(onExit);
  useEffect(() => {
    exited.current = onExit;
  }, [onExit]);

  useEffect(() => {
    if (!host.current) return;
    const base = `/api/sessions/${encodeURIComponent(sessionId)}/runs/${encodeURIComponent(runId)}`;
    const { term, fit } = openXterm(host.current);
    // A run's output is what the user waits for: bring the console into view (xterm also draws
    // nothing while it is scrolled out of sight).
    host.current.scrollIntoView({ block: "nearest" });
    term.focus();
    const input = sendTyping(term, `${base}/stdin`);
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(host.current);
    const events = new EventSource(`${base}/events`);
    events.addEventListener("stdout", (event) => {
      const { data } = JSON.parse((event as MessageEvent<string>).data) as { data: string };
      term.write(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    });
    events.addEventListener("gap", (event) => {
      const { bytes } = JSON.parse((event as MessageEvent<string>).data) as { bytes?: number };
      term.write(
        `\r\n[${bytes === undefined ? "some" : bytes} bytes of output skipped: they came faster than this page read them]\r\n`,
      );
    });
    events.addEventListener("exit", (event) => {
      const { code, outputs, outputs_skipped } = JSON.parse((event as MessageEvent<string>).data) as {
        code: number;
        outputs?: DisplayOutput[];
        outputs_skipped?: number;
      };
      events.close();
      // Told once xterm has taken in everything written before the exit.
      term.write("", () => exited.current(code, { outputs: outputs ?? [], skipped: outputs_skipped }));
    });
    return () => {
      events.close();
      observer.disconnect();
      input.dispose();
      term.dispose();
    };
  }, [sessionId, runId]);

  return <div ref={host} data-testid="run-console" className="min-h-0 flex-1 overflow-hidden p-2" />;
}
