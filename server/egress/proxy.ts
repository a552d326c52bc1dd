import "server-only";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
import { pipeline } from "node:stream";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { readClientHello } from "./client-hello";
import { Denied, Destinations, normalizeHost, type DestinationOptions, type ProxiedSession } from "./destinations";
import { throttle } from "./meter";

export interface ProxyOptions extends Omit<DestinationOptions, "idleTimeoutMs"> {
  log: Logger;
  /** A tunnel or a destination socket that moves no byte this long is closed. */
  idleTimeoutMs?: number;
  /** A tunnel must send its first request's headers, and a CONNECT tunnel to 443 its ClientHello, within this. */
  headersTimeoutMs?: number;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** Requests waiting behind the one in progress on a tunnel; a client pipelining more is cut off. */
const MAX_PIPELINED = 16;
/** Methods that echo the request back: never sent with a bound secret. */
const ECHOING = new Set(["TRACE", "TRACK"]);
const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  429: "Too Many Requests",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * Answers a connection with `response` and closes it. Whatever the sandbox sends meanwhile is
 * read and dropped, and the stream is destroyed once the answer is out (or after `graceMs`), so
 * a refused connection holds nothing on the host.
 */
export function refuse(stream: Duplex, response: string, graceMs = 5_000): void {
  stream.on("error", () => undefined);
  stream.resume();
  const timer = setTimeout(() => stream.destroy(), graceMs);
  timer.unref();
  stream.end(response, () => {
    clearTimeout(timer);
    stream.destroy();
  });
}

function statusResponse(status: number, message: string): string {
  const body = `Sandpit egress: ${message}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: text/plain\r\nX-Sandpit-Egress: denied\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The host side of a sandbox's egress: an HTTP proxy that never listens, fed the tunnels from
 * sandboxes. It handles CONNECT and absolute-URI requests, checks each destination against the
 * session's policy, resolves the name itself and connects only to an address it checked. A tunnel
 * carries one request at a time, so it costs at most one socket to a destination, and those
 * sockets count against the session's connection limit.
 */
export class EgressProxy {
  private readonly server: http.Server;
  private readonly sessions = new WeakMap<Duplex, ProxiedSession>();
  private readonly queues = new WeakMap<Duplex, { tail: Promise<void>; waiting: number; busy: boolean }>();
  private readonly firstHeaders = new WeakMap<Duplex, NodeJS.Timeout>();
  private readonly idleTimeoutMs: number;
  private readonly headersTimeoutMs: number;
  private readonly destinations: Destinations;

  constructor(private readonly options: ProxyOptions) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
    this.destinations = new Destinations({ ...options, idleTimeoutMs: this.idleTimeoutMs });
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 0 });
    // The server never listens, so its own header timer never runs: serve() keeps one per tunnel.
    // This idle timeout (socket.setTimeout, which tunnels implement) and keepAliveTimeout do apply.
    this.server.timeout = this.idleTimeoutMs;
    this.server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onConnect(req, socket, head));
    this.server.on("request", (req: IncomingMessage, res: ServerResponse) => this.enqueue(req, res));
    this.server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  }

  /** Serves one connection made inside a session's sandbox. */
  serve(stream: Duplex, session: ProxiedSession): void {
    this.sessions.set(stream, session);
    const timer = setTimeout(() => stream.destroy(), this.headersTimeoutMs);
    timer.unref();
    this.firstHeaders.set(stream, timer);
    stream.once("close", () => clearTimeout(timer));
    this.server.emit("connection", stream);
  }

  private seen(stream: Duplex): ProxiedSession | undefined {
    clearTimeout(this.firstHeaders.get(stream));
    return this.sessions.get(stream);
  }

  private record(session: ProxiedSession, entry: Record<string, unknown>, message: string): void {
    this.options.log.info({ sessionId: session.sessionId, ...entry }, message);
  }

  private denied(session: ProxiedSession, entry: Record<string, unknown>, error: unknown): Denied {
    const denied = error instanceof Denied ? error : new Denied(502, String(error));
    session.usage.denied += 1;
    this.record(session, { ...entry, allowed: false, reason: denied.message }, "egress denied");
    return denied;
  }

  private async onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const session = this.seen(req.socket);
    if (!session) return void socket.destroy();
    socket.on("error", () => undefined);
    // A CONNECT pipelined behind a request in progress would run beside it: one request at a time.
    const queue = this.queues.get(req.socket);
    if (queue && (queue.busy || queue.waiting > 0)) {
      const { status, message } = this.denied(
        session,
        { host: req.url, method: "CONNECT" },
        new Denied(400, "CONNECT sent while another request on this connection is in progress"),
      );
      return refuse(socket, statusResponse(status, message));
    }
    const target = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(req.url ?? "");
    const name = normalizeHost(target?.[1] ?? "");
    const port = Number(target?.[2]);
    let address: string;
    let upstream: net.Socket;
    try {
      if (!target) throw new Denied(400, `CONNECT needs host:port, not "${req.url ?? ""}"`);
      // Plain HTTP goes as absolute URLs, where the proxy sees the Host it sends.
      if (port === 80)
        throw new Denied(403, `CONNECT to port 80 is refused; send http:// requests through the proxy as they are`);
      address = await this.destinations.decide(session, name, port);
      if (socket.destroyed) return;
      upstream = this.destinations.dial(session, address, port);
    } catch (error) {
      const { status, message } = this.denied(session, { host: name, port, method: "CONNECT" }, error);
      return refuse(socket, statusResponse(status, message));
    }
    let bytesIn = 0;
    let bytesOut = 0;
    let connected = false;
    const counted = (direction: "in" | "out") => (bytes: number) => {
      if (direction === "in") {
        bytesIn += bytes;
        session.usage.bytes_in += bytes;
      } else {
        bytesOut += bytes;
        session.usage.bytes_out += bytes;
      }
    };
    upstream.once("connect", () => {
      connected = true;
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      // The destination may speak first (SSH, MySQL); what the sandbox sends waits for its first bytes' check.
      pipeline(upstream, throttle(session.download, counted("in")), socket, () => upstream.destroy());
      void this.checkHello(session, socket, head, name, port).then((first) => {
        if (!first) return void upstream.destroy();
        if (first.length > 0) {
          counted("out")(first.length);
          upstream.write(first);
        }
        pipeline(socket, throttle(session.upload, counted("out")), upstream, () => socket.destroy());
      });
    });
    upstream.once("error", (error) => {
      if (!connected) return refuse(socket, statusResponse(502, `cannot connect to ${name}:${port}: ${error.message}`));
      socket.destroy();
    });
    upstream.once("close", () => {
      socket.destroy();
      this.record(
        session,
        { host: name, port, address, allowed: true, bytesIn, bytesOut, method: "CONNECT" },
        "egress connection closed",
      );
    });
    socket.once("close", () => upstream.destroy());
  }

  /**
   * The tunnel's first bytes, once judged. TLS must name the CONNECT host (SNI), so an allowed
   * name cannot front for another on a shared server; port 443 must carry TLS. Other ports allowed
   * by name may carry other protocols, which the proxy cannot read. Undefined: refused.
   */
  private async checkHello(
    session: ProxiedSession,
    socket: Duplex,
    head: Buffer,
    name: string,
    port: number,
  ): Promise<Buffer | undefined> {
    // On 443 the ClientHello must come in time; elsewhere the sandbox may wait for the destination to speak.
    const { verdict, buffered } = await readClientHello(socket, head, port === 443 ? this.headersTimeoutMs : 0);
    let reason: string | undefined;
    if (verdict.kind === "notTls") reason = port === 443 ? "port 443 carries only TLS" : undefined;
    else if (verdict.kind === "incomplete" && buffered.length === 0 && port !== 443) reason = undefined;
    else if (verdict.kind === "hello") {
      const serverName = verdict.serverName === undefined ? undefined : normalizeHost(verdict.serverName);
      if (serverName !== name && !(serverName === undefined && net.isIP(name)))
        reason = `the TLS server name (${serverName ?? "none"}) is not the CONNECT host ${name}`;
    } else if (verdict.kind === "encrypted")
      reason = "an Encrypted Client Hello (ECH) hides the TLS server name; turn ECH off for this client";
    else reason = verdict.kind === "malformed" ? "a malformed TLS ClientHello" : "no TLS ClientHello in time";
    if (socket.destroyed) return undefined;
    if (reason === undefined) return buffered;
    this.denied(session, { host: name, port, method: "CONNECT" }, new Denied(403, reason));
    socket.destroy();
    return undefined;
  }

  /** Takes the requests of one tunnel one at a time, in order. */
  private enqueue(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    let queue = this.queues.get(socket);
    if (!queue) this.queues.set(socket, (queue = { tail: Promise.resolve(), waiting: 0, busy: false }));
    if (queue.waiting >= MAX_PIPELINED) return void socket.destroy();
    queue.waiting += 1;
    const current = queue;
    current.tail = current.tail.then(async () => {
      current.waiting -= 1;
      current.busy = true;
      try {
        if (!socket.destroyed) await this.onRequest(req, res);
      } finally {
        current.busy = false;
      }
    });
  }

  /** Handles one absolute-URI request; settles when its response is over. */
  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 'close' comes once the answer is out or the tunnel went; only then does the next request start.
    const over = new Promise<void>((resolve) => res.once("close", resolve));
    const session = this.seen(req.socket);
    if (!session) return void req.socket.destroy();
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error("not http");
    } catch {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Sandpit egress: this is a proxy; send absolute http:// URLs (set HTTP_PROXY), or use CONNECT for https\n");
      return over;
    }
    const host = normalizeHost(url.hostname);
    const secret = session.secrets().find((entry) => normalizeHost(entry.host) === host);
    const upgrade = secret?.https === true;
    const port = url.port ? Number(url.port) : upgrade ? 443 : 80;
    let address: string;
    let upstream: net.Socket;
    try {
      if (!secret && session.unreadableSecrets().includes(host))
        throw new Denied(502, `the secret bound to ${host} was sealed with another server key and is not sent; set it again`);
      if (secret && ECHOING.has(req.method ?? ""))
        throw new Denied(403, `${req.method ?? ""} is not sent to ${host}: the answer would echo its bound secret`);
      address = await this.destinations.decide(session, host, port);
      if (req.socket.destroyed) return;
      upstream = this.destinations.dial(session, address, port, upgrade ? { servername: host } : undefined);
    } catch (error) {
      const { status, message } = this.denied(session, { host, port, method: req.method }, error);
      res.writeHead(status, { "content-type": "text/plain", "x-sandpit-egress": "denied" });
      res.end(`Sandpit egress: ${message}\n`);
      return over;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = url.host;
    if (secret) headers[secret.header.toLowerCase()] = secret.value;
    let bytesIn = 0;
    let bytesOut = 0;
    // The socket is this request's alone; it goes when the answer is over or the tunnel goes.
    res.once("finish", () => upstream.destroy());
    res.once("close", () => upstream.destroy());
    let upstreamRequest: http.ClientRequest;
    try {
      upstreamRequest = http.request({
        host: address,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        createConnection: () => upstream,
      });
    } catch (error) {
      // A header value Node refuses (one from a bound secret, say) must answer, or the tunnel's queue stalls.
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`Sandpit egress: the request to ${host}:${port} could not be made: ${(error as Error).message}\n`);
      return over;
    }
    upstreamRequest.on("response", (response) => {
      const status = response.statusCode ?? 0;
      if (!Number.isInteger(status) || status < 100 || status > 999) {
        response.destroy();
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`Sandpit egress: ${host}:${port} answered with an invalid status ${status}\n`);
        return;
      }
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      try {
        res.writeHead(status, out);
      } catch (error) {
        response.destroy();
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`Sandpit egress: ${host}:${port} answered with a header that cannot be passed on: ${(error as Error).message}\n`);
        return;
      }
      pipeline(
        response,
        throttle(session.download, (bytes) => {
          bytesIn += bytes;
          session.usage.bytes_in += bytes;
        }),
        res,
        () =>
          this.record(
            session,
            { host, port, address, allowed: true, bytesIn, bytesOut, method: req.method, https: upgrade },
            "egress request done",
          ),
      );
    });
    upstreamRequest.on("error", (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`Sandpit egress: ${host}:${port} failed: ${error.message}\n`);
      } else res.destroy();
    });
    pipeline(
      req,
      throttle(session.upload, (bytes) => {
        bytesOut += bytes;
        session.usage.bytes_out += bytes;
      }),
      upstreamRequest,
      () => undefined,
    );
    return over;
  }
}
