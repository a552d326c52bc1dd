import "server-only";
import { randomBytes } from "node:crypto";
import type { PtyHandle } from "@/server/sandbox/driver";
import { SandboxError } from "@/server/sandbox/errors";

const REPLAY_BYTES = 512 * 1024;
const IDLE_MS = 10 * 60_000;

interface Chunk {
  seq: number;
  data: Buffer;
}

/** A terminal (PTY) the browser talks to; its recent output is kept to replay after a network blip. */
export class Terminal {
  readonly id = `t-${randomBytes(8).toString("hex")}`;
  private readonly chunks: Chunk[] = [];
  private bytes = 0;
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  exitCode: number | undefined;
  lastSeen = Date.now();

  constructor(
    readonly sessionId: string,
    private readonly pty: PtyHandle,
  ) {
    pty.stream.on("data", (data: Buffer) => {
      this.chunks.push({ seq: ++this.seq, data });
      this.bytes += data.length;
      while (this.bytes > REPLAY_BYTES && this.chunks.length > 1) this.bytes -= this.chunks.shift()?.data.length ?? 0;
      this.wake();
    });
    void pty.exited().then((code) => {
      this.exitCode = code;
      this.wake();
    });
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }

  write(data: string | Buffer): void {
    this.lastSeen = Date.now();
    this.pty.stream.write(data);
  }

  resize(cols: number, rows: number): Promise<void> {
    return this.pty.resize(cols, rows);
  }

  close(): void {
    this.pty.stream.end();
    this.pty.stream.destroy();
  }

  get idle(): boolean {
    return this.listeners.size === 0 && Date.now() - this.lastSeen > IDLE_MS;
  }

  /** Output after `after` (replayed from the buffer), then live, until the terminal exits. */
  async *output(
    after: number,
    signal: AbortSignal,
  ): AsyncGenerator<["data", { seq: number; data: string }] | ["exit", { code: number }]> {
    let cursor = after;
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    this.listeners.add(listener);
    try {
      while (!signal.aborted) {
        this.lastSeen = Date.now();
        for (const chunk of this.chunks) {
          if (chunk.seq > cursor) {
            cursor = chunk.seq;
            yield ["data", { seq: chunk.seq, data: chunk.data.toString("base64") }];
          }
        }
        if (this.exitCode !== undefined) {
          yield ["exit", { code: this.exitCode }];
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
          setTimeout(resolve, 15_000); // a heartbeat keeps proxies from closing the stream
        });
      }
    } finally {
      this.listeners.delete(listener);
    }
  }
}

/** The open terminals of this process. */
export class TerminalRegistry {
  private readonly terminals = new Map<string, Terminal>();

  constructor() {
    setInterval(() => {
      for (const [id, terminal] of this.terminals) {
        if (terminal.idle || terminal.exitCode !== undefined) {
          terminal.close();
          this.terminals.delete(id);
        }
      }
    }, 60_000).unref();
  }

  add(sessionId: string, pty: PtyHandle): Terminal {
    const terminal = new Terminal(sessionId, pty);
    this.terminals.set(terminal.id, terminal);
    return terminal;
  }

  get(sessionId: string, terminalId: string): Terminal {
    const terminal = this.terminals.get(terminalId);
    if (!terminal || terminal.sessionId !== sessionId)
      throw new SandboxError(`terminal ${terminalId} does not exist (it ended or the server restarted)`, "NOT_FOUND");
    return terminal;
  }

  remove(sessionId: string, terminalId: string): void {
    this.get(sessionId, terminalId).close();
    this.terminals.delete(terminalId);
  }
}
