import "server-only";
import net from "node:net";
import type { AgentErrorCode, Request, RequestOp, Response } from "./agent/protocol";
import {
  FileNotFoundError,
  PathOutsideWorkspaceError,
  SandboxError,
  SandboxUnavailableError,
  ShellNotFoundError,
} from "./errors";

type Payload<Op extends RequestOp> = Omit<Extract<Request, { op: Op }>, "id" | "op">;

interface Waiter {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  onOutput?: (fd: 1 | 2, data: Buffer) => void;
}

function toError(code: AgentErrorCode, message: string): SandboxError {
  switch (code) {
    case "PATH_OUTSIDE_WORKSPACE":
      return new PathOutsideWorkspaceError(message);
    case "NOT_FOUND":
      return message.startsWith("shell ") ? new ShellNotFoundError(message.split(" ")[1] ?? "") : new FileNotFoundError(message);
    case "EXISTS":
      return new SandboxError(message, "CONFLICT");
    case "BAD_REQUEST":
    case "IS_DIRECTORY":
    case "NOT_DIRECTORY":
      return new SandboxError(message, "BAD_REQUEST");
    default:
      return new SandboxError(message, "INTERNAL");
  }
}

/** One connection to a sandbox's agent: JSON lines over a unix socket, requests multiplexed by id. */
export class AgentClient {
  private nextId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private buffer = "";
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.setNoDelay(true);
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("close", () => this.onClose());
    socket.on("error", () => undefined);
  }

  /** Connects, retrying while the agent starts, until `timeoutMs` passes. */
  static async connect(socketPath: string, timeoutMs: number): Promise<AgentClient> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    while (Date.now() < deadline) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(socketPath);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        return new AgentClient(socket);
      } catch (error) {
        lastError = error as Error;
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    }
    throw new SandboxUnavailableError(
      `the sandbox agent did not answer within ${timeoutMs} ms (${lastError?.message ?? "no socket"})`,
    );
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  request<Op extends RequestOp>(
    op: Op,
    payload: Payload<Op> & { stream?: boolean },
    onOutput?: (fd: 1 | 2, data: Buffer) => void,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new SandboxUnavailableError("the sandbox agent connection is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject, onOutput });
      this.socket.write(`${JSON.stringify({ id, op, ...payload })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf("\n");
      const message = JSON.parse(line) as Response;
      const waiter = this.waiters.get(message.id);
      if (!waiter) continue;
      if (message.type === "out") {
        waiter.onOutput?.(message.fd, Buffer.from(message.data, "base64"));
      } else {
        this.waiters.delete(message.id);
        if (message.type === "result") waiter.resolve(message.result);
        else waiter.reject(toError(message.code, message.message));
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const waiter of this.waiters.values())
      waiter.reject(new SandboxUnavailableError("the sandbox stopped while handling the request"));
    this.waiters.clear();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
