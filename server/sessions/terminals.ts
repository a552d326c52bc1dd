import "server-only";
import { randomBytes } from "node:crypto";
import type { PtyHandle } from "@/server/sandbox/engine/driver";
import { SandboxError } from "@/server/sandbox/errors";

/** Output kept per terminal to replay after a network blip; older output is dropped. */
export const REPLAY_BYTES = 512 * 1024;
/** Output sent in one event at most (chunks in a row are joined up to this). */
const EVENT_BYTES = 32 * 1024;
const IDLE_MS = 10 * 60_000;
/** Input that may wait for a terminal that is not reading it (a program that ignores stdin). */
const INPUT_BYTES = 1024 * 1024;
/** Connected readers per terminal (tabs, reconnects not yet noticed); a new one past this ends the oldest. */
const MAX_READERS = 4;

interface Chunk {
  seq: number;
  /** Bytes the terminal wrote before this chunk. */
  offset: number;
  data: Buffer;
}

/** A terminal (PTY) the browser talks to; its recent output is kept to replay after a network blip. */
export class Terminal {
  private readonly chunks: Chunk[] = [];
  private bytes = 0;
  private seq = 0;
  private written = 0;
  private readonly listeners = new Set<() => void>();
  /** The readers now connected, oldest first; past MAX_READERS the oldest is let go. */
  private readonly readers = new Set<AbortController>();
  exitCode: number | undefined;
  lastSeen = Date.now();

  constructor(
    readonly sessionId: string,
    private readonly pty: PtyHandle,
    readonly id = `t-${randomBytes(8).toString("hex")}`,
    /** Told of each input (it is use of the session's sandbox). */
    private readonly onInput?: () => void,
  ) {
    pty.stream.on("data", (data: Buffer) => {
      this.chunks.push({ seq: ++this.seq, offset: this.written, data });
      this.written += data.length;
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

  /** Sends input; refused (409) while more than INPUT_BYTES wait for a terminal that is not reading. */
  write(data: string | Buffer): void {
    this.lastSeen = Date.now();
    this.onInput?.();
    if (this.pty.stream.writableLength > INPUT_BYTES)
      throw new SandboxError(
        `terminal ${this.id} is not reading its input (over ${INPUT_BYTES / 1024} KiB wait); send more once it has read that`,
        "CONFLICT",
      );
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

  /**
   * Output after `after` (replayed from the buffer), then live, until the terminal exits. Pulled by
   * the reader: each event is made when the reader asks for it, from the bounded replay buffer, so a
   * reader slower than the terminal skips what fell out of the buffer (a `gap` event says how much)
   * and costs the server nothing more than the buffer.
   */
  async *output(
    after: number,
    signal: AbortSignal,
  ): AsyncGenerator<
    | ["data", { seq: number; data: string }]
    | ["gap", { from: number; to: number; bytes?: number }]
    | ["exit", { code: number } & Record<string, unknown>]
  > {
    const reader = new AbortController();
    this.readers.add(reader);
    for (const old of this.readers) {
      if (this.readers.size <= MAX_READERS) break;
      old.abort();
      this.readers.delete(old);
    }
    const stopped = AbortSignal.any([signal, reader.signal]);
    let cursor = after;
    /** The stream offset just past the last byte this reader was sent, once known. */
    let delivered: number | undefined;
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    this.listeners.add(listener);
    try {
      while (!stopped.aborted) {
        this.lastSeen = Date.now();
        const first = this.chunks[0];
        if (first && cursor > 0 && first.seq > cursor + 1) {
          const bytes = delivered === undefined ? undefined : first.offset - delivered;
          yield ["gap", { from: cursor + 1, to: first.seq - 1, ...(bytes === undefined ? {} : { bytes }) }];
          cursor = first.seq - 1;
          delivered = first.offset;
          continue;
        }
        const next = this.after(cursor);
        if (next) {
          cursor = next.seq;
          delivered = next.end;
          yield ["data", { seq: next.seq, data: next.data }];
          continue;
        }
        if (this.exitCode !== undefined) {
          yield ["exit", { ...this.pty.exitDetails?.(), code: this.exitCode }];
          return;
        }
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            stopped.removeEventListener("abort", done);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, 15_000); // a heartbeat keeps proxies from closing the stream
          wake = done;
          stopped.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      this.listeners.delete(listener);
      this.readers.delete(reader);
    }
  }

  /** The buffered output after `cursor`, up to EVENT_BYTES in one event, or undefined when there is none yet. */
  private after(cursor: number): { seq: number; data: string; end: number } | undefined {
    const parts: Buffer[] = [];
    let size = 0;
    let last: Chunk | undefined;
    for (const chunk of this.chunks) {
      if (chunk.seq <= cursor) continue;
      if (last && size + chunk.data.length > EVENT_BYTES) break;
      parts.push(chunk.data);
      size += chunk.data.length;
      last = chunk;
    }
    if (!last) return undefined;
    return { seq: last.seq, data: Buffer.concat(parts).toString("base64"), end: last.offset + last.data.length };
  }
}

/** Terminals a session may have open at once unless configured otherwise. */
export const DEFAULT_TERMINALS_PER_SESSION = 8;

/** The open terminals of this process, at most `perSession` for each session. */
export class TerminalRegistry {
  private readonly terminals = new Map<string, Terminal>();

  /**
   * `noun` names what the registry keeps in its errors: terminals, or the PTYs of interactive runs;
   * `onInput` is told the session of each input to one of them.
   */
  constructor(
    private readonly perSession = DEFAULT_TERMINALS_PER_SESSION,
    private readonly noun: "terminal" | "run" = "terminal",
    private readonly onInput?: (sessionId: string) => void,
  ) {
    setInterval(() => this.sweep(), 60_000).unref();
  }

  /** Closes terminals whose shell ended or that nobody read for a while. */
  private sweep(): void {
    for (const [id, terminal] of this.terminals) {
      if (terminal.idle || terminal.exitCode !== undefined) {
        terminal.close();
        this.terminals.delete(id);
      }
    }
  }

  private open(sessionId: string): number {
    let count = 0;
    for (const terminal of this.terminals.values()) {
      if (terminal.sessionId === sessionId && terminal.exitCode === undefined) count += 1;
    }
    return count;
  }

  /** Throws the 409 a caller sees when the session already has as many terminals as allowed. */
  checkRoom(sessionId: string): void {
    if (this.open(sessionId) < this.perSession) return;
    throw new SandboxError(
      this.noun === "terminal"
        ? `session ${sessionId} already has ${this.perSession} open terminals, the most allowed (SANDPIT_TERMINALS_PER_SESSION); close one (DELETE /api/sessions/${sessionId}/terminals/:terminal) first`
        : `session ${sessionId} already has ${this.perSession} interactive runs going, the most allowed; stop one (POST /api/sessions/${sessionId}/runs/:run/stop) first`,
      "CONFLICT",
    );
  }

  /** Keeps a new terminal; over the cap (two opened at once), the PTY is closed and the 409 thrown. */
  add(sessionId: string, pty: PtyHandle, id?: string): Terminal {
    try {
      this.checkRoom(sessionId);
    } catch (error) {
      pty.stream.end();
      pty.stream.destroy();
      throw error;
    }
    const onInput = this.onInput;
    const terminal = new Terminal(sessionId, pty, id, onInput && (() => onInput(sessionId)));
    this.terminals.set(terminal.id, terminal);
    // Terminal's own handler (registered first) has set exitCode when this one runs.
    void pty.exited().then(
      () => this.forgetEnded(sessionId),
      () => undefined,
    );
    return terminal;
  }

  /**
   * Lets go of the session's oldest ended terminals past `perSession`: each holds its replay buffer
   * (and a run what it displayed) until read or swept, and ones that end at once do not count as
   * open, so without this a session could pile them up faster than the sweep clears them.
   */
  private forgetEnded(sessionId: string): void {
    const ended = [...this.terminals.values()].filter((t) => t.sessionId === sessionId && t.exitCode !== undefined);
    for (const terminal of ended.slice(0, Math.max(0, ended.length - this.perSession))) {
      terminal.close();
      this.terminals.delete(terminal.id);
    }
  }

  get(sessionId: string, terminalId: string): Terminal {
    const terminal = this.terminals.get(terminalId);
    if (!terminal || terminal.sessionId !== sessionId)
      throw new SandboxError(`${this.noun} ${terminalId} does not exist (it ended or the server restarted)`, "NOT_FOUND");
    return terminal;
  }

  remove(sessionId: string, terminalId: string): void {
    this.get(sessionId, terminalId).close();
    this.terminals.delete(terminalId);
  }
}
