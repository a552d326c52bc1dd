import { FitAddon } from "@xterm/addon-fit";
import { Terminal, type IDisposable } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";

/** An xterm.js terminal in Sandpit's look, opened in `host` and fitted to it. */
export function openXterm(host: HTMLElement): { term: Terminal; fit: FitAddon } {
  const term = new Terminal({
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
    fontSize: 13,
    cursorBlink: true,
    theme: { background: "#0c0a09" },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  fit.fit();
  return { term, fit };
}

/**
 * Sends what is typed into `term` to `url` as small POSTs, one at a time, keystrokes typed
 * meanwhile going together in the next one.
 */
export function sendTyping(term: Terminal, url: string): IDisposable {
  let pending = "";
  let sending = false;
  const flush = async (): Promise<void> => {
    if (sending || !pending) return;
    sending = true;
    const data = pending;
    pending = "";
    try {
      await fetch(url, { method: "POST", body: data, headers: { "content-type": "application/octet-stream" } });
    } finally {
      sending = false;
      if (pending) void flush();
    }
  };
  return term.onData((data) => {
    pending += data;
    void flush();
  });
}
