import "server-only";
import { Duplex } from "node:stream";
import { TUNNEL_CHUNK_BYTES, TUNNEL_WINDOW, type AgentMessage, type ServerMessage, type TunnelResult } from "./inside/protocol";
import { SandboxUnavailableError } from "../errors";

/** What a tunnel needs of the agent connection: a way to send its messages, and the channel's drain. */
export interface TunnelLink {
  send: (message: Exclude<ServerMessage, { type: "request" }>) => void;
  /** Resolves when the channel can take more (an agent that does not read must not fill memory). */
  drained: () => Promise<void>;
}

/**
 * One byte stream to a TCP socket inside a sandbox, over the agent channel. Both directions are
 * flow-controlled with credit: the agent may send TUNNEL_WINDOW chunks ahead of what this stream
 * has passed on, and an agent that sends more ends the tunnel instead of being buffered.
 */
export class TunnelStream extends Duplex {
  /** Chunks the agent may still send. */
  private granted = TUNNEL_WINDOW;
  /** Chunks read by the consumer whose credit has not been returned (held while the consumer is slow). */
  private owed = 0;
  /** Chunks this side may still send. */
  private credit = TUNNEL_WINDOW;
  private wake: (() => void) | undefined;
  private remoteDone = false;
  /** socket.setTimeout's idle timeout: 'timeout' is emitted after this long without a byte either way. */
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bytes from the sandbox's socket, and to it. */
  bytesFromSandbox = 0;
  bytesToSandbox = 0;

  constructor(
    readonly id: number,
    private readonly link: TunnelLink,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: TUNNEL_CHUNK_BYTES * 2, writableHighWaterMark: TUNNEL_CHUNK_BYTES });
    this.on("end", () => {
      if (this.remoteDone) this.destroy();
    });
  }

  /** A message of the tunnel's request from the agent. */
  onMessage(message: AgentMessage): void {
    if (this.destroyed) return;
    if (message.type === "data") {
      if (this.granted <= 0) {
        this.destroy(new SandboxUnavailableError("the sandbox agent sent tunnel data it was not granted"));
        return;
      }
      this.granted -= 1;
      this.touch();
      const data = Buffer.from(message.data, "base64");
      if (data.length > TUNNEL_CHUNK_BYTES) {
        this.destroy(new SandboxUnavailableError(`the sandbox agent sent a tunnel chunk over ${TUNNEL_CHUNK_BYTES} bytes`));
        return;
      }
      this.bytesFromSandbox += data.length;
      if (this.push(data)) this.grant(1);
      else this.owed += 1;
    } else if (message.type === "end") this.push(null);
    else if (message.type === "credit") {
      this.credit = Math.min(TUNNEL_WINDOW, this.credit + message.n);
      this.wake?.();
    }
  }

  /** The agent's socket closed (its result or error came): nothing more will come from it. */
  onClosed(outcome: TunnelResult | Error): void {
    this.remoteDone = true;
    this.wake?.();
    if (outcome instanceof Error && !this.readableEnded) {
      this.destroy(outcome);
      return;
    }
    if (this.readableEnded) this.destroy();
    else this.push(null);
  }

  private grant(n: number): void {
    this.granted += n;
    this.link.send({ id: this.id, type: "credit", n });
  }

  override _read(): void {
    if (this.owed > 0) {
      const n = this.owed;
      this.owed = 0;
      this.grant(n);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.touch();
    this.sendAll(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.remoteDone) this.link.send({ id: this.id, type: "end" });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    this.idleMs = 0;
    if (!this.remoteDone) this.link.send({ id: this.id, type: "cancel" });
    this.remoteDone = true;
    this.wake?.();
    callback(error);
  }

  private async sendAll(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += TUNNEL_CHUNK_BYTES) {
      while (this.credit <= 0 && !this.remoteDone) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      // Bytes for a socket that is gone are dropped, as TCP would.
      if (this.remoteDone) return;
      await this.link.drained();
      this.credit -= 1;
      const piece = data.subarray(at, at + TUNNEL_CHUNK_BYTES);
      this.bytesToSandbox += piece.length;
      this.link.send({ id: this.id, type: "data", data: piece.toString("base64") });
    }
  }

  /** As net.Socket's: after `ms` without a byte in or out, 'timeout' is emitted (0 turns it off). Node's HTTP server relies on it. */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) {
      if (ms > 0) this.once("timeout", callback);
      else this.off("timeout", callback);
    }
    this.touch();
    return this;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs <= 0 || this.destroyed) return;
    this.idleTimer = setTimeout(() => this.emit("timeout"), this.idleMs);
    this.idleTimer.unref();
  }

  // What node's http server asks of a socket; a tunnel has no options of its own.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}
