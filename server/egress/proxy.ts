import "server-only";
import { lookup } from "node:dns/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import net from "node:net";
import { pipeline } from "node:stream";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { EgressPolicy, EgressRule } from "@/lib/egress";
import { judgeAddress } from "./address";
import { throttle, type EgressUsage, type TokenBucket } from "./meter";
import { policyAllows } from "./policy";

/** A header the proxy adds to requests for one host; the sandbox never sees it. */
export interface BoundSecret {
  host: string;
  header: string;
  value: string;
  /** The proxy speaks HTTPS to the destination (the program asks for http://): true unless the destination is a local test server. */
  https: boolean;
}

/** What the proxy knows of the session a connection came from. */
export interface ProxiedSession {
  sessionId: string;
  policy: () => EgressPolicy;
  secrets: () => BoundSecret[];
  usage: EgressUsage;
  download: TokenBucket;
  upload: TokenBucket;
  /** Sockets to destinations, closed when the policy goes to none. */
  upstreams: Set<net.Socket>;
}

export interface ProxyOptions {
  registries: EgressRule[];
  exempt: Parameters<typeof judgeAddress>[1];
  /** Names resolved before DNS. */
  hosts: Record<string, string>;
  log: Logger;
  connectTimeoutMs?: number;
  /** Certificates trusted when the proxy speaks HTTPS itself (bound secrets); Node's own roots otherwise. */
  ca?: string[];
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

class Denied extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function policyName(policy: EgressPolicy): string {
  return typeof policy === "string" ? policy : "allow-list";
}

/**
 * The host side of a sandbox's egress: an HTTP proxy that never listens, fed the tunnels from
 * sandboxes. It handles CONNECT and absolute-URI requests, checks each destination against the
 * session's policy, resolves the name itself and connects only to an address it checked.
 */
export class EgressProxy {
  private readonly server: http.Server;
  private readonly sessions = new WeakMap<Duplex, ProxiedSession>();

  constructor(private readonly options: ProxyOptions) {
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000 });
    this.server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onConnect(req, socket, head));
    this.server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
    this.server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  }

  /** Serves one connection made inside a session's sandbox. */
  serve(stream: Duplex, session: ProxiedSession): void {
    this.sessions.set(stream, session);
    this.server.emit("connection", stream);
  }

  private async decide(session: ProxiedSession, host: string, port: number): Promise<string> {
    const policy = session.policy();
    const name = host.toLowerCase().replace(/\.$/, "");
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Denied(400, `${host}: not a valid port`);
    if (!policyAllows(policy, this.options.registries, name, port))
      throw new Denied(403, `${name}:${port} is not allowed by this session's egress policy (${policyName(policy)})`);
    const mapped = this.options.hosts[name];
    let addresses: string[];
    try {
      addresses = mapped ? [mapped] : (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      throw new Denied(502, `${name} does not resolve`);
    }
    // Every address is checked, and the one connected to is one of them: no second lookup to rebind.
    for (const address of addresses) {
      const verdict = judgeAddress(address, this.options.exempt);
      if (!verdict.allowed)
        throw new Denied(403, `${name} resolves to ${address} (${verdict.range}), which sandboxes may never reach`);
    }
    const first = addresses[0];
    if (!first) throw new Denied(502, `${name} does not resolve`);
    return first;
  }

  private record(session: ProxiedSession, entry: Record<string, unknown>, message: string): void {
    this.options.log.info({ sessionId: session.sessionId, ...entry }, message);
  }

  private async onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const session = this.sessions.get(req.socket);
    if (!session) return void socket.destroy();
    const target = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(req.url ?? "");
    const host = target?.[1] ?? "";
    const port = Number(target?.[2]);
    socket.on("error", () => undefined);
    let address: string;
    try {
      if (!target) throw new Denied(400, `CONNECT needs host:port, not "${req.url ?? ""}"`);
      address = await this.decide(session, host, port);
    } catch (error) {
      return this.deny(session, socket, host, port, error);
    }
    const upstream = net.connect({ host: address, port, timeout: this.options.connectTimeoutMs ?? 15_000 });
    session.upstreams.add(upstream);
    session.usage.open += 1;
    session.usage.connections += 1;
    let bytesIn = 0;
    let bytesOut = 0;
    upstream.once("timeout", () => upstream.destroy(new Error("connect timeout")));
    upstream.once("connect", () => {
      upstream.setTimeout(0);
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      const counted = (direction: "in" | "out") => (bytes: number) => {
        if (direction === "in") {
          bytesIn += bytes;
          session.usage.bytes_in += bytes;
        } else {
          bytesOut += bytes;
          session.usage.bytes_out += bytes;
        }
      };
      pipeline(upstream, throttle(session.download, counted("in")), socket, () => upstream.destroy());
      pipeline(socket, throttle(session.upload, counted("out")), upstream, () => socket.destroy());
    });
    upstream.once("error", (error) => {
      if (!upstream.readyState || upstream.connecting) {
        socket.end(
          `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nSandpit egress: cannot connect to ${host}:${port}: ${error.message}\n`,
        );
      }
      socket.destroy();
    });
    upstream.once("close", () => {
      session.upstreams.delete(upstream);
      session.usage.open -= 1;
      socket.destroy();
      this.record(
        session,
        { host, port, address, allowed: true, bytesIn, bytesOut, method: "CONNECT" },
        "egress connection closed",
      );
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = this.sessions.get(req.socket);
    if (!session) return void req.socket.destroy();
    let url: URL;
    try {
      url = new URL(req.url ?? "");
      if (url.protocol !== "http:") throw new Error("not http");
    } catch {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Sandpit egress: this is a proxy; send absolute http:// URLs (set HTTP_PROXY), or use CONNECT for https\n");
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const secret = session.secrets().find((entry) => entry.host === host.toLowerCase());
    const upgrade = secret?.https === true;
    const port = url.port ? Number(url.port) : upgrade ? 443 : 80;
    let address: string;
    try {
      address = await this.decide(session, host, port);
    } catch (error) {
      const { status, message } = error instanceof Denied ? error : new Denied(502, String(error));
      session.usage.denied += 1;
      this.record(session, { host, port, allowed: false, reason: message, method: req.method }, "egress denied");
      res.writeHead(status, { "content-type": "text/plain", "x-sandpit-egress": "denied" });
      res.end(`Sandpit egress: ${message}\n`);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = url.host;
    if (secret) headers[secret.header.toLowerCase()] = secret.value;
    session.usage.connections += 1;
    let bytesIn = 0;
    let bytesOut = 0;
    const upstreamRequest = (upgrade ? https : http).request({
      host: address,
      port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      servername: upgrade ? host : undefined,
      ...(upgrade && this.options.ca ? { ca: this.options.ca } : {}),
      agent: false,
    });
    upstreamRequest.on("socket", (socket: net.Socket) => {
      session.upstreams.add(socket);
      socket.once("close", () => session.upstreams.delete(socket));
    });
    upstreamRequest.on("response", (response) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      res.writeHead(response.statusCode ?? 502, out);
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
  }

  private deny(session: ProxiedSession, socket: Duplex, host: string, port: number, error: unknown): void {
    const { status, message } = error instanceof Denied ? error : new Denied(502, String(error));
    session.usage.denied += 1;
    this.record(session, { host, port, allowed: false, reason: message, method: "CONNECT" }, "egress denied");
    const reason = status === 403 ? "Forbidden" : status === 400 ? "Bad Request" : "Bad Gateway";
    const body = `Sandpit egress: ${message}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nX-Sandpit-Egress: denied\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}
