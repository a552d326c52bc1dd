// Byte streams between the server and TCP sockets inside the sandbox, over the agent channel. The
// agent only moves bytes: what a stream may carry, and where to, is decided on the server.
import * as net from "node:net";
import { AgentError, type RequestContext } from "./context.ts";
import {
  TUNNEL_BACKLOG,
  TUNNEL_CHUNK_BYTES,
  TUNNEL_WINDOW,
  type Params,
  type Result,
  type ServerMessage,
  type TunnelResult,
} from "./protocol.ts";

interface Listener {
  server: net.Server;
  /** Connections no `tunnel.accept` has taken yet, oldest first. */
  waiting: net.Socket[];
  /** `tunnel.accept` requests waiting for a connection, oldest first. */
  accepts: Array<{ take: (socket: net.Socket) => void; fail: (error: Error) => void }>;
  accepted: number;
}

const listeners = new Map<number, Listener>();

/** The ports the agent itself listens on (the network proxy's): no preview reaches them. */
export function listeningPorts(): Set<number> {
  return new Set(listeners.keys());
}

function portOf(params: { port: unknown }): number {
  const port = params.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new AgentError("BAD_REQUEST", "port must be an integer from 1 to 65535");
  return port;
}

/** Listens on 127.0.0.1:port until the request is cancelled. */
export function listen(params: Params<"tunnel.listen">, ctx: RequestContext): Promise<Result<"tunnel.listen">> {
  const port = portOf(params);
  if (listeners.has(port)) throw new AgentError("EXISTS", `port ${port} is already being listened on`);
  const listener: Listener = { server: net.createServer({ allowHalfOpen: true }), waiting: [], accepts: [], accepted: 0 };
  listeners.set(port, listener);
  return new Promise((resolve, reject) => {
    const close = (): void => {
      if (listeners.get(port) === listener) listeners.delete(port);
      listener.server.close();
      for (const socket of listener.waiting.splice(0)) socket.destroy();
      // Accepts waiting on a listener that is gone would never end.
      for (const { fail } of listener.accepts.splice(0)) fail(new AgentError("NOT_FOUND", `the listener on port ${port} closed`));
    };
    listener.server.on("connection", (socket) => {
      const accept = listener.accepts.shift();
      if (accept) {
        listener.accepted += 1;
        accept.take(socket);
      } else if (listener.waiting.length < TUNNEL_BACKLOG) {
        listener.waiting.push(socket);
        socket.on("close", () => {
          const at = listener.waiting.indexOf(socket);
          if (at >= 0) listener.waiting.splice(at, 1);
        });
        socket.on("error", () => undefined);
      } else socket.destroy();
    });
    listener.server.on("error", (error: NodeJS.ErrnoException) => {
      close();
      reject(
        new AgentError(error.code === "EADDRINUSE" ? "EXISTS" : "INTERNAL", `cannot listen on port ${port}: ${error.message}`),
      );
    });
    ctx.onControl((message) => {
      if (message.type !== "cancel") return;
      close();
      resolve({ accepted: listener.accepted });
    });
    listener.server.listen({ host: "127.0.0.1", port });
  });
}

/** Waits for a connection to the listener on `port`, then tunnels it. */
export function accept(params: Params<"tunnel.accept">, ctx: RequestContext): Promise<Result<"tunnel.accept">> {
  const port = portOf(params);
  const listener = listeners.get(port);
  if (!listener) throw new AgentError("NOT_FOUND", `nothing listens on port ${port}`);
  const socket = listener.waiting.shift();
  if (socket) {
    listener.accepted += 1;
    return tunnel(socket, ctx, true);
  }
  return new Promise((resolve, reject) => {
    const take = (next: net.Socket): void => {
      tunnel(next, ctx, true).then(resolve, reject);
    };
    const waiter = { take, fail: reject };
    listener.accepts.push(waiter);
    ctx.onControl((message) => {
      if (message.type !== "cancel") return;
      const at = listener.accepts.indexOf(waiter);
      if (at >= 0) listener.accepts.splice(at, 1);
      resolve({ fromSocket: 0, toSocket: 0 });
    });
  });
}

/** Connects to 127.0.0.1:port inside the sandbox, then tunnels the connection. */
export function connect(params: Params<"tunnel.connect">, ctx: RequestContext): Promise<Result<"tunnel.connect">> {
  const port = portOf(params);
  // The agent's own listeners lead back out to the server (the network proxy): not a program's port.
  if (listeners.has(port)) throw new AgentError("NOT_FOUND", `nothing listens on port ${port}`);
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  return tunnel(socket, ctx, false);
}

/**
 * Moves bytes between `socket` and the request's messages until the socket closes. Each side sends
 * at most TUNNEL_WINDOW chunks ahead of the credit the other returns, so neither buffers without end.
 */
function tunnel(socket: net.Socket, ctx: RequestContext, connected: boolean): Promise<TunnelResult> {
  return new Promise((resolve, reject) => {
    let credit = TUNNEL_WINDOW;
    const queued: Buffer[] = [];
    let endQueued = false;
    let opened = connected;
    let fromSocket = 0;
    let toSocket = 0;
    let failure: AgentError | undefined;
    let closed = false;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      if (failure) reject(failure);
      else resolve({ fromSocket, toSocket });
    };
    const flush = (): void => {
      while (credit > 0 && queued.length > 0) {
        const piece = queued.shift() as Buffer;
        credit -= 1;
        ctx.send({ id: ctx.id, type: "data", data: piece.toString("base64") });
      }
      if (queued.length === 0 && endQueued) {
        endQueued = false;
        ctx.send({ id: ctx.id, type: "end" });
      }
      // A closed socket's last bytes are still sent before the result ends the tunnel.
      if (closed) {
        if (queued.length === 0 && !endQueued) finish();
      } else if (credit > 0 && queued.length === 0) socket.resume();
      else socket.pause();
    };
    const open = (): void => {
      opened = true;
      ctx.send({ id: ctx.id, type: "open" });
    };
    ctx.onControl((message: ServerMessage) => {
      if (message.type === "credit") {
        if (Number.isSafeInteger(message.n) && message.n > 0) credit = Math.min(TUNNEL_WINDOW, credit + message.n);
        flush();
      } else if (message.type === "data") {
        const data = Buffer.from(message.data, "base64");
        if (data.length > TUNNEL_CHUNK_BYTES) {
          failure = new AgentError("BAD_REQUEST", `tunnel chunks hold at most ${TUNNEL_CHUNK_BYTES} bytes`);
          socket.destroy();
          return;
        }
        toSocket += data.length;
        socket.write(data, () => ctx.send({ id: ctx.id, type: "credit", n: 1 }));
      } else if (message.type === "end") socket.end();
      else if (message.type === "cancel") {
        socket.destroy();
        queued.length = 0;
        endQueued = false;
        if (closed) finish();
      }
    });
    if (connected) open();
    else socket.on("connect", open);
    socket.on("data", (chunk: Buffer) => {
      fromSocket += chunk.length;
      for (let at = 0; at < chunk.length; at += TUNNEL_CHUNK_BYTES) queued.push(chunk.subarray(at, at + TUNNEL_CHUNK_BYTES));
      flush();
    });
    socket.on("end", () => {
      endQueued = true;
      flush();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (!opened) failure ??= new AgentError("NOT_FOUND", `cannot connect: ${error.code ?? error.message}`);
    });
    socket.on("close", () => {
      closed = true;
      if (!opened) finish();
      else flush();
    });
  });
}
