"use client";

import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, type ReactNode } from "react";
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
    const term = new Terminal({
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
      fontSize: 13,
      cursorBlink: true,
      convertEol: false,
      theme: { background: "#0c0a09" },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    // A run's output is what the user waits for: bring the console into view (xterm also draws
    // nothing while it is scrolled out of sight).
    host.current.scrollIntoView({ block: "nearest" });
    term.focus();
    let pending = "";
    let sending = false;
    const flush = async (): Promise<void> => {
      if (sending || !pending) return;
      sending = true;
      const data = pending;
      pending = "";
      try {
        await fetch(`${base}/stdin`, { method: "POST", body: data, headers: { "content-type": "application/octet-stream" } });
      } finally {
        sending = false;
        if (pending) void flush();
      }
    };
    const input = term.onData((data) => {
      pending += data;
      void flush();
    });
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
