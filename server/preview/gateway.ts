import "server-only";
import * as http from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { RELAYED_HEADER } from "@/lib/api/session-route";
import { isPreviewDomain } from "./names";
import { ENTRY_PATH, PreviewRefusal, type PreviewService } from "./service";

/**
 * What Sandpit's HTTP server (scripts/server.mjs) asks of previews: requests and WebSocket
 * upgrades whose Host is under the preview domain come here instead of going to the app.
 */
export interface PreviewGateway {
  claims(host: string | undefined): boolean;
  handle(request: http.IncomingMessage, response: http.ServerResponse): void;
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Sends a preview's request on to the node that runs its session, when that is another node
 * (server/nodes/relay.ts); resolves false when this node serves it.
 */
export interface PreviewRelay {
  web(request: http.IncomingMessage, response: http.ServerResponse, session: string): Promise<boolean>;
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, session: string): Promise<boolean>;
}

/** Where the HTTP server finds the gateway: the app's services and the server share one process. */
export const GATEWAY_KEY = Symbol.for("sandpit.preview-gateway");

/** Headers of one hop that never travel on (RFC 9110 §7.6.1), and the proxy's own. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** The most an app's answer to a WebSocket handshake may send before its blank line. */
const HANDSHAKE_HEAD_BYTES = 16 * 1024;

/** How long an upgraded connection one side has finished may stay open for the other side to finish. */
const HALF_OPEN_GRACE_MS = 2_000;
/** How often a long-lived preview connection marks its sandbox active. */
const TOUCH_EVERY_MS = 10_000;

/** The preview cookie's name: `__Host-` where the browser allows it (it then cannot be set from another preview's host). */
function cookieName(secure: boolean): string {
  return secure ? "__Host-sandpit_preview" : "sandpit_preview";
}

/** The value of one cookie in a Cookie header, and the header without it (the app never sees Sandpit's cookie). */
export function takeCookie(header: string | undefined, name: string): { value?: string; rest?: string } {
  if (!header) return {};
  let value: string | undefined;
  const rest = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => {
      if (!part.startsWith(`${name}=`)) return part.length > 0;
      value ??= part.slice(name.length + 1);
      return false;
    })
    .join("; ");
  return { value, rest: rest || undefined };
}

/**
 * A Set-Cookie of the previewed app, kept to its own host: a Domain attribute would reach every
 * other preview under the same domain (other sessions' apps), so it is dropped.
 */
export function hostOnlyCookie(setCookie: string): string {
  return setCookie
    .split(";")
    .filter((part, index) => index === 0 || !/^\s*domain\s*=/i.test(part))
    .join(";");
}

/** Where the entry link may send the browser on its own preview: a path, never another host. */
export function safeReturnPath(to: string | null): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.includes("\\") || /[\u0000-\u001f]/.test(to)) return "/";
  return to;
}

function refusalPage(status: number, message: string): { body: string; headers: http.OutgoingHttpHeaders } {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Preview unavailable</title><body style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1c1917"><h1 style="font-size:1.25rem">Sandpit preview</h1><p>${escaped}</p></body></html>`;
  return {
    body,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    },
  };
}

export function createPreviewGateway(previews: PreviewService, log: Logger, relay?: PreviewRelay): PreviewGateway {
  const secure = previews.base.protocol === "https:" || previews.base.domain.endsWith("localhost");
  const name = cookieName(secure);

  const refuse = (response: http.ServerResponse, error: unknown): void => {
    const status = error instanceof PreviewRefusal ? error.status : 502;
    const message = error instanceof PreviewRefusal ? error.message : "The preview could not be reached. Reload to try again.";
    if (!(error instanceof PreviewRefusal)) log.warn({ err: error }, "preview request failed");
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const page = refusalPage(status, message);
    response.writeHead(status, page.headers).end(page.body);
  };

  /** The request's headers as the app gets them: without Sandpit's cookie and hop-by-hop headers, with X-Forwarded-*. */
  const forwarded = (request: http.IncomingMessage, cookies: string | undefined): http.OutgoingHttpHeaders => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (HOP_BY_HOP.has(key) || key === "cookie" || key === RELAYED_HEADER || value === undefined) continue;
      headers[key] = value;
    }
    if (cookies) headers.cookie = cookies;
    headers["x-forwarded-proto"] = previews.base.protocol.slice(0, -1);
    headers["x-forwarded-host"] = request.headers.host ?? "";
    headers.connection = "close";
    return headers;
  };

  const toucher = (session: string): (() => void) => {
    let last = 0;
    return () => {
      const now = Date.now();
      if (now - last < TOUCH_EVERY_MS) return;
      last = now;
      previews.touch(session);
    };
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const target = previews.hostTarget(request.headers.host);
    if (!target) throw new PreviewRefusal(404, "There is no preview at this address.");
    const url = new URL(request.url ?? "/", "http://preview.invalid");
    if (url.pathname === ENTRY_PATH) {
      if (request.method !== "GET") throw new PreviewRefusal(405, "Open preview links with GET.");
      const cookie = await previews.enter(target, url.searchParams.get("ticket"));
      const attributes = secure ? "; Secure; SameSite=None; Partitioned" : "; SameSite=Lax";
      response
        .writeHead(303, {
          location: safeReturnPath(url.searchParams.get("to")),
          "set-cookie": `${name}=${cookie}; Path=/; HttpOnly${attributes}`,
          "cache-control": "no-store",
          "referrer-policy": "no-referrer",
        })
        .end();
      return;
    }
    // A browser gone while access is checked or the connection opens: nobody would close it.
    let gone = false;
    response.once("close", () => (gone = true));
    const { value, rest } = takeCookie(request.headers.cookie, name);
    const admitted = await previews.admit(target, value);
    // The session's sandbox runs on another node: that node admits the request again and serves it.
    if (!gone && (await relay?.web(request, response, admitted.session))) return;
    const tunnel = await previews.connect(admitted.session, admitted.port);
    if (gone) {
      tunnel.destroy();
      return;
    }
    const touch = toucher(admitted.session);
    const upstream = http.request({
      createConnection: () => tunnel,
      method: request.method,
      path: request.url,
      headers: forwarded(request, rest),
    });
    const abandon = (): void => {
      upstream.destroy();
      tunnel.destroy();
    };
    // One request per connection to the app: once the answer is sent (or the browser is gone), it closes.
    response.on("close", abandon);
    upstream.on("response", (answer) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [key, header] of Object.entries(answer.headers)) {
        if (HOP_BY_HOP.has(key) || header === undefined) continue;
        headers[key] = key === "set-cookie" && Array.isArray(header) ? header.map(hostOnlyCookie) : header;
      }
      try {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      } catch (error) {
        // A header Node will not send on (the app's bytes are anyone's): the answer is refused, not the server.
        abandon();
        refuse(
          response,
          new PreviewRefusal(502, `The program answered with a header that cannot be passed on (${(error as Error).message}).`),
        );
        return;
      }
      answer.on("data", touch);
      answer.pipe(response);
      answer.on("error", () => response.destroy());
    });
    upstream.on("error", (error) => {
      tunnel.destroy();
      refuse(response, new PreviewRefusal(502, `The program on port ${admitted.port} did not answer (${error.message}).`));
    });
    // A 101 to a request that asked for no upgrade (Node's client then drops the connection silently).
    upstream.on("upgrade", (_answer, socket) => {
      socket.destroy();
      abandon();
      refuse(response, new PreviewRefusal(502, `The program on port ${admitted.port} switched protocols unasked.`));
    });
    // However the connection to the app ends, the browser gets an answer, never a request left open.
    upstream.on("close", () => {
      if (!response.headersSent)
        refuse(
          response,
          new PreviewRefusal(502, `The program on port ${admitted.port} closed the connection without an answer.`),
        );
    });
    request.pipe(upstream);
  };

  const upgrade = async (request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const target = previews.hostTarget(request.headers.host);
    if (!target) throw new PreviewRefusal(404, "There is no preview at this address.");
    // A browser gone while access is checked or the connection opens: nobody would close it.
    let gone = false;
    socket.once("close", () => (gone = true));
    socket.on("error", () => socket.destroy());
    const { value, rest } = takeCookie(request.headers.cookie, name);
    const admitted = await previews.admit(target, value);
    if (!gone && (await relay?.upgrade(request, socket, head, admitted.session))) return;
    const tunnel = await previews.connect(admitted.session, admitted.port);
    if (gone) {
      tunnel.destroy();
      return;
    }
    const touch = toucher(admitted.session);
    // The handshake as the browser sent it, less Sandpit's cookie; then bytes both ways as they come.
    const lines = [`${request.method ?? "GET"} ${request.url ?? "/"} HTTP/1.1`];
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const key = request.rawHeaders[i] as string;
      if (key.toLowerCase() === "cookie") continue;
      lines.push(`${key}: ${request.rawHeaders[i + 1] ?? ""}`);
    }
    if (rest) lines.push(`Cookie: ${rest}`);
    tunnel.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) tunnel.write(head);
    const close = (): void => {
      socket.destroy();
      tunnel.destroy();
    };
    tunnel.on("data", touch);
    socket.on("data", touch);
    tunnel.on("error", close);
    socket.on("error", close);
    tunnel.on("close", close);
    socket.on("close", close);
    // The app's answer to the handshake is read first: its cookies may name no Domain (they would
    // reach every other session's preview), as in answers to plain requests.
    const answer = await handshakeAnswer(tunnel);
    if (!answer) {
      close();
      return;
    }
    socket.write(answer);
    // Either side finished: the other is told (pipe ends it), and both go after a grace period
    // even if the other never finishes (sockets here stay half-open otherwise, and hold a connection).
    const finishing = (): void => void setTimeout(close, HALF_OPEN_GRACE_MS).unref();
    // The browser may have finished its side while access was checked: its 'end' has been and gone.
    if (socket.readableEnded) finishing();
    else socket.once("end", finishing);
    tunnel.once("end", finishing);
    socket.pipe(tunnel);
    tunnel.pipe(socket);
  };

  /**
   * The head of the app's answer to a handshake (up to its blank line), with Domain taken out of
   * its Set-Cookie lines, and whatever bytes followed it; null when the app closes first or sends
   * a head over HANDSHAKE_HEAD_BYTES.
   */
  const handshakeAnswer = (tunnel: Duplex): Promise<Buffer | null> =>
    new Promise((resolve) => {
      let held = Buffer.alloc(0);
      const done = (value: Buffer | null): void => {
        tunnel.off("data", take);
        tunnel.off("close", closed);
        resolve(value);
      };
      const closed = (): void => done(null);
      const take = (chunk: Buffer): void => {
        held = Buffer.concat([held, chunk]);
        const end = held.indexOf("\r\n\r\n");
        if (end < 0) {
          if (held.length > HANDSHAKE_HEAD_BYTES) done(null);
          return;
        }
        tunnel.pause();
        const head = held
          .subarray(0, end)
          .toString("latin1")
          .split("\r\n")
          .map((line) =>
            /^set-cookie:/i.test(line) ? `Set-Cookie: ${hostOnlyCookie(line.slice(line.indexOf(":") + 1).trim())}` : line,
          )
          .join("\r\n");
        done(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), held.subarray(end + 4)]));
      };
      tunnel.on("data", take);
      tunnel.once("close", closed);
    });

  return {
    claims: (host) => isPreviewDomain(host, previews.base),
    handle: (request, response) => void handle(request, response).catch((error: unknown) => refuse(response, error)),
    upgrade: (request, socket, head) =>
      void upgrade(request, socket, head).catch((error: unknown) => {
        const status = error instanceof PreviewRefusal ? error.status : 502;
        if (!(error instanceof PreviewRefusal)) log.warn({ err: error }, "preview upgrade failed");
        socket.end(
          `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
      }),
  };
}

/** Makes the gateway reachable to the HTTP server in this process. */
export function installPreviewGateway(gateway: PreviewGateway): void {
  (globalThis as Record<symbol, unknown>)[GATEWAY_KEY] = gateway;
}
