import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/** The header the proxy adds to each answer: which node answered it. */
export const PROXIED_TO = "x-proxied-to";

export interface RoundRobinProxy {
  url: string;
  /** The nodes requests go to, each new request or upgrade to the next one in turn. */
  setTargets(targets: string[]): void;
  /** How many requests (and upgrades) each node has answered. */
  readonly answered: Map<string, number>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Headers of one connection, not of the request: never passed on.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"];

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const copy: http.OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  for (const name of String(headers.connection ?? "").split(",")) delete copy[name.trim().toLowerCase()];
  return copy;
}

/** A refused connection never reached the node: the request may go to the next one. */
const refused = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === "ECONNREFUSED";

/** How long a node that refused a connection is left out of the turn (a balancer's passive health check). */
const DOWN_MS = 2_000;

/**
 * A load balancer on loopback for a cluster of test nodes, as an operator would put in front of
 * them with no stickiness: each request and each upgrade goes to the next node in turn, over a
 * connection of its own. Answers stream back as they come (server-sent events included), with
 * the node that answered in `x-proxied-to`. Request bodies are read whole first, so that a request
 * a node refused to connect (it died) goes to the next node instead, as nginx's proxy_next_upstream
 * does; a node that refused is skipped for two seconds. Host is passed on as the client sent it.
 */
export async function roundRobinProxy(initial: string[] = []): Promise<RoundRobinProxy> {
  let targets = [...initial];
  let turn = 0;
  const down = new Map<string, number>();
  const answered = new Map<string, number>();
  const open = new Set<Duplex>();

  /** The next node in turn not tried yet for this request, skipping nodes that refused lately while others remain. */
  function next(tried: Set<string>): string | undefined {
    const candidates = targets.filter((target) => !tried.has(target));
    if (candidates.length === 0) return undefined;
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[turn++ % targets.length] as string;
      if (!tried.has(target) && (down.get(target) ?? 0) <= now) return target;
    }
    return candidates[0];
  }

  function count(target: string): void {
    answered.set(target, (answered.get(target) ?? 0) + 1);
  }

  function forward(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer, tried: Set<string>): void {
    const target = next(tried);
    if (!target) {
      response.writeHead(502, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "bad_gateway", message: "no node accepted the connection" }));
      return;
    }
    tried.add(target);
    const headers = withoutHopByHop(request.headers);
    headers["x-forwarded-for"] = request.socket.remoteAddress ?? "127.0.0.1";
    if (body.length > 0 || request.headers["content-length"] !== undefined) headers["content-length"] = String(body.length);
    const { hostname, port } = new URL(target);
    const upstream = http.request(
      { hostname, port, method: request.method, path: request.url, headers, agent: false },
      (answer) => {
        count(target);
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, {
          ...withoutHopByHop(answer.headers),
          [PROXIED_TO]: target,
        });
        response.flushHeaders();
        answer.pipe(response);
        answer.on("error", () => response.destroy());
      },
    );
    upstream.on("error", (error) => {
      if (!response.headersSent && refused(error)) {
        down.set(target, Date.now() + DOWN_MS);
        forward(request, response, body, tried);
      } else response.destroy();
    });
    // The client went away (a stream it stopped reading): so does the node's side.
    response.on("close", () => upstream.destroy());
    upstream.end(body);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => forward(request, response, Buffer.concat(chunks), new Set()));
    request.on("error", () => response.destroy());
  });

  server.on("upgrade", (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    const target = next(new Set());
    if (!target) {
      client.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    const { hostname, port } = new URL(target);
    const headers = { ...request.headers, "x-forwarded-for": request.socket.remoteAddress ?? "127.0.0.1" };
    const upstream = http.request({ hostname, port, method: request.method, path: request.url, headers, agent: false });
    const statusLine = (answer: http.IncomingMessage): string => `HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`;
    const headLines = (lines: string[]): string => `${[...lines, `${PROXIED_TO}: ${target}`].join("\r\n")}\r\n\r\n`;
    upstream.on("upgrade", (answer, socket, upstreamHead) => {
      count(target);
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => client.destroy());
      client.on("close", () => socket.destroy());
      socket.on("close", () => client.destroy());
      const lines = [statusLine(answer)];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      client.write(headLines(lines));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) socket.write(head);
      client.pipe(socket).pipe(client);
    });
    // Refused as a plain answer (no 101): passed on, and the connection closed after it.
    upstream.on("response", (answer) => {
      count(target);
      const lines = [statusLine(answer), "connection: close"];
      for (const [name, value] of Object.entries(withoutHopByHop(answer.headers)))
        for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(one)}`);
      client.write(headLines(lines));
      answer.pipe(client);
    });
    upstream.on("error", () => client.destroy());
    upstream.end();
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTargets(list) {
      targets = [...list];
    },
    answered,
    async [Symbol.asyncDispose]() {
      for (const socket of open) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
