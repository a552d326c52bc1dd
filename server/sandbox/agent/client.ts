import "server-only";
import { randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { Readable } from "node:stream";
import {
  AGENT_PROTOCOL_VERSION,
  ARCHIVE_CHUNK_BYTES,
  ARCHIVE_WINDOW,
  DISPLAY_MAX_ITEMS,
  DISPLAY_TOTAL_BYTES,
  MAX_LINE_BYTES,
  type AgentErrorCode,
  type AgentMessage,
  type DisplayMime,
  type Op,
  type Params,
  type Result,
  type ServerMessage,
} from "./inside/protocol";
import { agentMessage, resultSchemas, workspaceChange, type WorkspaceChange } from "./results";
import { TunnelStream } from "./tunnel";
import type { AgentChannel } from "../engine/driver";
import {
  FileNotFoundError,
  PathOutsideWorkspaceError,
  PayloadTooLargeError,
  SandboxError,
  SandboxUnavailableError,
  ShellNotFoundError,
} from "../errors";
import { SENSITIVE_TAR_EXCLUDES } from "@/server/storage/sensitive";

/** The time an operation may take when it has no time limit of its own. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Added to a run's or command's own limit: the agent ends it at that limit, then answers. */
const GRACE_MS = 30_000;
/** A workspace archive is at most this big unless the caller says otherwise. */
const DEFAULT_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024;

export type OutputHandler = (fd: 1 | 2, data: Buffer) => void;
/** Something a run showed (an image, HTML, Markdown): see RunParams.display. */
export interface DisplayOutput {
  mime: DisplayMime;
  data: Buffer;
}

interface Waiter {
  op: Op;
  resolve: (result: never) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** `out`, `data` and `credit` messages of the request. */
  onMessage?: (message: AgentMessage) => void;
}

function toError(code: AgentErrorCode, message: string): SandboxError {
  switch (code) {
    case "PATH_OUTSIDE_WORKSPACE":
      return new PathOutsideWorkspaceError(message);
    case "NOT_FOUND":
      return message.startsWith("shell ") ? new ShellNotFoundError(message.split(" ")[1] ?? "") : new FileNotFoundError(message);
    case "EXISTS":
      return new SandboxError(message, "CONFLICT");
    case "TOO_LARGE":
      return new PayloadTooLargeError(message);
    case "TIMEOUT":
      return new SandboxUnavailableError(message);
    case "BAD_REQUEST":
    case "IS_DIRECTORY":
    case "NOT_DIRECTORY":
      return new SandboxError(message, "BAD_REQUEST");
    default:
      return new SandboxError(message, "INTERNAL");
  }
}

function timeoutOf<O extends Op>(op: O, params: Params<O>): number {
  const own = (params as { timeoutMs?: unknown }).timeoutMs;
  if (typeof own === "number" && (op === "run" || op === "shell.exec" || op.startsWith("archive."))) return own + GRACE_MS;
  return DEFAULT_TIMEOUT_MS;
}

/**
 * One connection to a sandbox's agent: JSON lines over the agent's stdio, requests multiplexed by
 * id. The agent is treated as hostile: every line is bounded, every answer checked, every request
 * timed out. A line too long, not JSON or of an unknown shape closes the connection.
 */
export class AgentClient {
  // Every attached client sees every answer: ids start at random so two servers (a restart's
  // overlap) never take each other's answers for their own.
  private nextId = randomInt(1, 2 ** 40);
  private readonly waiters = new Map<number, Waiter>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly lines: Buffer[] = [];
  private draining = false;
  private closed = false;
  private closeReason = "the sandbox agent connection is closed";
  private readonly closeListeners: Array<() => void> = [];
  private gone: Promise<void> | undefined;

  constructor(private readonly channel: AgentChannel) {
    channel.input.on("data", (chunk: Buffer) => this.onData(chunk));
    channel.input.on("end", () => this.fail("the sandbox stopped while handling the request"));
    channel.input.on("close", () => this.fail("the sandbox stopped while handling the request"));
    channel.input.on("error", () => this.fail("the connection to the sandbox agent failed"));
    channel.output.on("error", () => this.fail("the connection to the sandbox agent failed"));
    // A line cut short by an earlier server must not swallow this connection's first request.
    this.write("\n");
  }

  /** Says hello and checks the agent's protocol version; a new hello ends runs of an earlier connection. */
  async hello(timeoutMs: number): Promise<void> {
    const hello = await this.request("hello", {}, { timeoutMs });
    if (hello.version !== AGENT_PROTOCOL_VERSION) {
      this.close();
      throw new SandboxUnavailableError(`the sandbox agent speaks version ${hello.version}, expected ${AGENT_PROTOCOL_VERSION}`);
    }
  }

  /** Requests still waiting for their answer (tunnels included). */
  get waiting(): number {
    return this.waiters.size;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  request<O extends Op>(
    op: O,
    params: Params<O>,
    options: { timeoutMs?: number; onOutput?: OutputHandler; onDisplay?: (output: DisplayOutput) => void } = {},
  ): Promise<Result<O>> {
    const { onOutput, onDisplay } = options;
    // What one run shows is held until its end (REST results, a run's exit event): the agent's
    // limits are enforced here too, so a hostile agent's extra items are dropped, not kept.
    let shown = 0;
    let shownBytes = 0;
    const display = (mime: DisplayMime, base64: string): void => {
      const data = Buffer.from(base64, "base64");
      if (shown >= DISPLAY_MAX_ITEMS || shownBytes + data.length > DISPLAY_TOTAL_BYTES) return;
      shown += 1;
      shownBytes += data.length;
      onDisplay?.({ mime, data });
    };
    return this.open(op, params, {
      timeoutMs: options.timeoutMs,
      onMessage:
        onOutput || onDisplay
          ? (message) => {
              if (message.type === "out") onOutput?.(message.fd, Buffer.from(message.data, "base64"));
              else if (message.type === "display") display(message.mime, message.data);
            }
          : undefined,
    }).result;
  }

  /**
   * /workspace as a tar.gz stream, made inside the sandbox as the sandbox user (sparse-aware,
   * sensitive files left out). The agent sends a chunk only for each one this stream has passed on.
   */
  archiveOut(options: { timeoutMs: number; maxBytes?: number }): Readable {
    const maxBytes = options.maxBytes ?? DEFAULT_ARCHIVE_BYTES;
    let bytes = 0;
    let paused = false;
    let finished = false;
    let id = 0;
    // Chunks the agent may still send: a hostile agent that sends more is refused, not buffered.
    let granted = 0;
    const credit = (n: number): void => {
      granted += n;
      this.control({ id, type: "credit", n });
    };
    const stream = new Readable({
      highWaterMark: ARCHIVE_CHUNK_BYTES,
      read: () => {
        if (paused) {
          paused = false;
          credit(1);
        }
      },
      destroy: (error, callback) => {
        if (!finished) this.control({ id, type: "cancel" });
        callback(error);
      },
    });
    const opened = this.open(
      "archive.out",
      { timeoutMs: options.timeoutMs, maxBytes, excludes: SENSITIVE_TAR_EXCLUDES },
      {
        timeoutMs: options.timeoutMs + GRACE_MS,
        onMessage: (message) => {
          if (message.type !== "data" || stream.destroyed) return;
          if (granted <= 0) {
            stream.destroy(new SandboxUnavailableError("the sandbox agent sent archive data it was not asked for"));
            return;
          }
          granted -= 1;
          const data = Buffer.from(message.data, "base64");
          bytes += data.length;
          if (bytes > maxBytes) {
            stream.destroy(new PayloadTooLargeError(`the workspace archive is larger than ${maxBytes} bytes`));
            return;
          }
          if (stream.push(data)) credit(1);
          else paused = true;
        },
      },
    );
    id = opened.id;
    credit(ARCHIVE_WINDOW);
    opened.result.then(
      () => {
        finished = true;
        stream.push(null);
      },
      (error: Error) => {
        finished = true;
        stream.destroy(error);
      },
    );
    return stream;
  }

  /** Unpacks a tar.gz into /workspace inside the sandbox, as the sandbox user; sent as the agent asks for it. */
  async archiveIn(archive: Readable, options: { timeoutMs: number }): Promise<{ files: number }> {
    const chunks = archive[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    const first = await readFirst(chunks, 2);
    if (first.length < 2 || first[0] !== 0x1f || first[1] !== 0x8b) {
      archive.destroy();
      throw new SandboxError("the archive is not gzip-compressed (.tar.gz)", "BAD_REQUEST");
    }
    let credit = 0;
    let wake: (() => void) | undefined;
    const opened = this.open(
      "archive.in",
      { timeoutMs: options.timeoutMs },
      {
        timeoutMs: options.timeoutMs + GRACE_MS,
        onMessage: (message) => {
          if (message.type !== "credit") return;
          // Never more than a window in flight, whatever the agent grants.
          credit = Math.min(ARCHIVE_WINDOW, credit + message.n);
          wake?.();
        },
      },
    );
    let done = false;
    void opened.result.then(
      () => (done = true),
      () => (done = true),
    );
    const send = async (data: Buffer): Promise<void> => {
      for (let at = 0; at < data.length; at += ARCHIVE_CHUNK_BYTES) {
        while (credit <= 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (done) return;
        // An agent that grants credit but does not read its input fills the channel: wait for it to drain.
        if (this.channel.output.writableNeedDrain)
          await Promise.race([once(this.channel.output, "drain"), settled.catch(() => undefined)]);
        if (done) return;
        credit -= 1;
        this.control({ id: opened.id, type: "data", data: data.subarray(at, at + ARCHIVE_CHUNK_BYTES).toString("base64") });
      }
    };
    const settled = opened.result.finally(() => wake?.());
    try {
      await send(first);
      for (;;) {
        if (done) break;
        const next = await chunks.next();
        if (next.done) break;
        await send(Buffer.from(next.value));
      }
      this.control({ id: opened.id, type: "end" });
    } catch (error) {
      this.control({ id: opened.id, type: "cancel" });
      await settled.catch(() => undefined);
      throw error;
    }
    return settled;
  }

  /**
   * Watches the workspace: `onChange` gets the paths that changed (at most WATCH_MAX_PATHS of them,
   * checked here: the agent's word is untrusted). `closed` settles when `close` is called or the
   * channel goes.
   */
  watch(
    intervalMs: number,
    onChange: (change: WorkspaceChange) => void,
  ): { closed: Promise<{ changes: number }>; close: () => void } {
    const opened = this.open(
      "fs.watch",
      { intervalMs },
      {
        timeoutMs: null,
        onMessage: (message) => {
          if (message.type !== "out") return;
          let change: WorkspaceChange | undefined;
          try {
            change = workspaceChange.parse(JSON.parse(Buffer.from(message.data, "base64").toString("utf8")));
          } catch {
            // Not what was asked for: stop listening to this watch rather than guess.
            this.control({ id: opened.id, type: "cancel" });
            return;
          }
          onChange(change);
        },
      },
    );
    return { closed: opened.result, close: () => this.control({ id: opened.id, type: "cancel" }) };
  }

  /**
   * Listens on 127.0.0.1:`port` inside the sandbox; its connections come from `accept(port)`.
   * `closed` settles when the listener is closed (by `close`, or because the channel went).
   */
  listen(port: number): { closed: Promise<{ accepted: number }>; close: () => void } {
    const opened = this.open("tunnel.listen", { port }, { timeoutMs: null });
    return { closed: opened.result, close: () => this.control({ id: opened.id, type: "cancel" }) };
  }

  /**
   * The next connection to the listener on `port`, as a stream. `cancel` gives up waiting; the
   * promise then rejects.
   */
  accept(port: number): { stream: Promise<TunnelStream>; cancel: () => void } {
    return this.tunnel("tunnel.accept", port);
  }

  /** The TCP ports programs in the sandbox listen on (what a preview can reach), lowest first. */
  async ports(): Promise<number[]> {
    return (await this.request("ports.list", {})).ports;
  }

  /** A connection to 127.0.0.1:`port` inside the sandbox, as a stream. */
  connect(port: number): Promise<TunnelStream> {
    return this.tunnel("tunnel.connect", port).stream;
  }

  private tunnel(op: "tunnel.accept" | "tunnel.connect", port: number): { stream: Promise<TunnelStream>; cancel: () => void } {
    let tunnel: TunnelStream | undefined;
    let opened: (stream: TunnelStream) => void = () => undefined;
    const stream = new Promise<TunnelStream>((resolve) => (opened = resolve));
    const request = this.open(
      op,
      { port },
      {
        // A tunnel lasts as long as its user keeps it; a connect only has a while to open.
        timeoutMs: null,
        onMessage: (message) => {
          if (message.type === "open" && !tunnel) {
            tunnel = new TunnelStream(request.id, {
              send: (control) => this.control(control),
              drained: () => this.drained(),
            });
            // A tunnel closed here (cancel sent) whose result never comes is forgotten after a while.
            tunnel.once("close", () => this.forget(request.id, DEFAULT_TIMEOUT_MS));
            opened(tunnel);
          } else tunnel?.onMessage(message);
        },
      },
    );
    if (op === "tunnel.connect") {
      const opening = setTimeout(() => {
        if (tunnel) return;
        this.control({ id: request.id, type: "cancel" });
        // An agent that does not answer the cancel either is not waited for without end.
        this.forget(request.id, DEFAULT_TIMEOUT_MS);
      }, DEFAULT_TIMEOUT_MS);
      opening.unref();
      void stream.then(() => clearTimeout(opening));
      void request.result.catch(() => undefined).finally(() => clearTimeout(opening));
    }
    const waitingOrOpen = Promise.race([stream, request.result.then(() => undefined)]);
    void request.result.then(
      (result) => tunnel?.onClosed(result),
      (error: Error) => tunnel?.onClosed(error),
    );
    return {
      stream: waitingOrOpen.then((open) => {
        if (open) return open;
        throw new SandboxUnavailableError(`the tunnel to port ${port} closed before it opened`);
      }),
      cancel: () => {
        if (!tunnel) this.control({ id: request.id, type: "cancel" });
      },
    };
  }

  /** Resolves when the channel to the agent can take more, or is gone. */
  private async drained(): Promise<void> {
    if (this.closed || !this.channel.output.writableNeedDrain) return;
    this.gone ??= new Promise<void>((resolve) => this.onClosed(resolve));
    await Promise.race([once(this.channel.output, "drain"), this.gone]);
  }

  close(): void {
    this.fail("the sandbox agent connection is closed");
    this.channel.close();
  }

  /** Sends a request; its answer settles `result`, its other messages go to `onMessage`. */
  private open<O extends Op>(
    op: O,
    params: Params<O>,
    options: { timeoutMs?: number | null; onMessage?: (message: AgentMessage) => void },
  ): { id: number; result: Promise<Result<O>> } {
    const id = this.nextId++;
    if (this.closed) return { id, result: Promise.reject(new SandboxUnavailableError(this.closeReason)) };
    // null: a stream that lasts as long as its user keeps it (tunnels); it ends with the channel.
    const timeoutMs = options.timeoutMs === undefined ? timeoutOf(op, params) : options.timeoutMs;
    const result = new Promise<Result<O>>((resolve, reject) => {
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              this.waiters.delete(id);
              this.control({ id, type: "cancel" });
              reject(
                new SandboxUnavailableError(`the sandbox agent did not answer ${op} within ${Math.round(timeoutMs / 1000)} s`),
              );
            }, timeoutMs);
      timer?.unref();
      this.waiters.set(id, { op, resolve: resolve, reject, timer, onMessage: options.onMessage });
    });
    this.send({ id, type: "request", op, params });
    return { id, result };
  }

  private control(message: Exclude<ServerMessage, { type: "request" }>): void {
    if (!this.closed) this.send(message);
  }

  private send(message: ServerMessage): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  private write(text: string): void {
    this.channel.output.write(text);
  }

  /** Splits lines only; they are parsed and checked later, off the stream's data handler. */
  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let start = 0;
    let newline = chunk.indexOf(10);
    while (newline >= 0) {
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > MAX_LINE_BYTES) {
        this.fail(`the sandbox agent sent a line longer than ${MAX_LINE_BYTES} bytes`);
        return;
      }
      this.lines.push(this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece);
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > MAX_LINE_BYTES) {
        this.fail(`the sandbox agent sent a line longer than ${MAX_LINE_BYTES} bytes`);
        return;
      }
      this.pending.push(chunk.subarray(start));
    }
    if (this.lines.length > 0 && !this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.draining = false;
    while (!this.closed) {
      const line = this.lines.shift();
      if (!line) return;
      if (line.length > 0) this.onLine(line);
    }
  }

  private onLine(line: Buffer): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line.toString("utf8"));
    } catch {
      this.fail("the sandbox agent sent a line that is not JSON");
      return;
    }
    const parsed = agentMessage.safeParse(raw);
    if (!parsed.success) {
      this.fail("the sandbox agent sent a message of an unknown shape");
      return;
    }
    const message = parsed.data;
    const waiter = this.waiters.get(message.id);
    if (!waiter) return; // a request that timed out, or one of an earlier connection
    if (message.type === "result") {
      const result = resultSchemas[waiter.op].safeParse(message.result);
      if (!result.success) {
        this.fail(`the sandbox agent answered ${waiter.op} with a result of the wrong shape`);
        return;
      }
      this.settle(message.id);
      waiter.resolve(result.data as never);
    } else if (message.type === "error") {
      this.settle(message.id);
      waiter.reject(toError(message.code, message.message));
    } else waiter.onMessage?.(message);
  }

  /** Stops waiting for request `id`'s answer after `ms` (the agent was told to cancel it). */
  private forget(id: number, ms: number): void {
    const waiter = this.waiters.get(id);
    if (!waiter || waiter.timer) return;
    waiter.timer = setTimeout(() => {
      if (this.waiters.get(id) !== waiter) return;
      this.waiters.delete(id);
      waiter.reject(
        new SandboxUnavailableError(`the sandbox agent did not close ${waiter.op} within ${Math.round(ms / 1000)} s`),
      );
    }, ms);
    waiter.timer.unref();
  }

  private settle(id: number): void {
    const waiter = this.waiters.get(id);
    if (waiter) clearTimeout(waiter.timer);
    this.waiters.delete(id);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.pending = [];
    this.lines.length = 0;
    for (const [id, waiter] of this.waiters) {
      clearTimeout(waiter.timer);
      this.waiters.delete(id);
      waiter.reject(new SandboxUnavailableError(reason));
    }
    this.channel.close();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

/** Reads until at least `bytes` bytes are in hand (or the stream ends). */
async function readFirst(chunks: AsyncIterator<Buffer | string>, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await chunks.next();
    if (next.done) break;
    const part = Buffer.from(next.value);
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts);
}

/** A token naming a chunked write's temporary file. */
export function writeToken(): string {
  return randomBytes(8).toString("hex");
}
