import { once } from "node:events";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { EgressPolicy } from "@/lib/egress";
import { parseCidrs } from "./address";
import { emptyUsage, TokenBucket } from "./meter";
import type { BoundSecret, ProxiedSession } from "./destinations";
import { PoolFullError } from "./fair-share";
import { EgressProxy, type ProxyOptions } from "./proxy";

// The proxy fed real loopback sockets (as the egress service feeds it tunnels), and destinations
// this file starts on 127.0.0.1, which the proxy reaches as `*.test` names.

const disposers: Array<() => void> = [];
afterEach(() => {
  for (const dispose of disposers.splice(0)) dispose();
});

async function listen<S extends net.Server>(server: S): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  disposers.push(() => {
    if (server instanceof http.Server) server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** An HTTP server on loopback that answers `hello <path>`, counting connections and requests. */
async function destination(): Promise<{
  port: number;
  connections: () => number;
  requests: http.IncomingMessage[];
  onConnection: (listener: () => void) => void;
}> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    res.end(`hello ${req.url ?? ""}`);
  });
  let connections = 0;
  server.on("connection", () => (connections += 1));
  const port = await listen(server);
  return { port, connections: () => connections, requests, onConnection: (listener) => server.on("connection", listener) };
}

interface Harness {
  session: ProxiedSession & { current: EgressPolicy };
  connect: () => Promise<net.Socket>;
}

async function harness(
  policy: EgressPolicy,
  options: Partial<ProxyOptions> & { limit?: number; secrets?: BoundSecret[]; unreadable?: string[] } = {},
): Promise<Harness> {
  const session: Harness["session"] = {
    sessionId: "s",
    current: policy,
    policy: () => session.current,
    secrets: () => options.secrets ?? [],
    unreadableSecrets: () => options.unreadable ?? [],
    usage: emptyUsage(),
    download: new TokenBucket(1e9),
    upload: new TokenBucket(1e9),
    upstreams: new Set(),
    limit: options.limit ?? 32,
  };
  const proxy = new EgressProxy({
    registries: [],
    exempt: parseCidrs(["127.0.0.1"]),
    hosts: {},
    resolve: (name) =>
      name.endsWith(".test") ? Promise.resolve(["127.0.0.1"]) : Promise.reject(new Error(`${name} is not a test name`)),
    hostAddresses: () => new Set(),
    log: pino({ level: "silent" }),
    ...options,
  });
  const front = net.createServer((socket) => proxy.serve(socket, session));
  const port = await listen(front);
  return {
    session,
    connect: async () => {
      const socket = net.connect(port, "127.0.0.1");
      disposers.push(() => socket.destroy());
      await once(socket, "connect");
      return socket;
    },
  };
}

/** Everything a socket receives until it closes. */
async function untilClosed(socket: net.Socket): Promise<string> {
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  if (!socket.closed) await once(socket, "close");
  return text;
}

/** Reads until `text` has been received. */
async function until(socket: net.Socket, text: string): Promise<string> {
  let seen = "";
  while (!seen.includes(text)) {
    const [chunk] = (await once(socket, "data")) as [Buffer];
    seen += chunk.toString("latin1");
  }
  return seen;
}

const get = (host: string, path = "/", extra = ""): string =>
  `GET http://${host}${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

describe("EgressProxy", () => {
  it("refuses a name that resolves to one of the host's own addresses, even inside an exempt range", async () => {
    const up = await destination();
    const host = `up.test:${up.port}`;
    const allowed = await harness({ allow: [host] }, { exempt: parseCidrs(["127.0.0.0/8"]) });
    const control = await allowed.connect();
    control.write(get(host, "/control"));
    expect(await untilClosed(control)).toContain("hello /control");

    const guarded = await harness(
      { allow: [host] },
      { exempt: parseCidrs(["127.0.0.0/8"]), hostAddresses: () => new Set(["127.0.0.1"]) },
    );
    const probe = await guarded.connect();
    probe.write(get(host, "/probe"));
    const answer = await untilClosed(probe);
    expect(answer).toMatch(/^HTTP\/1\.1 403/);
    expect(answer).toContain("resolves to 127.0.0.1 (thisHost)");
    expect(up.requests.map((req) => req.url)).toEqual(["/control"]);
  });

  it("carries pipelined requests one at a time, on one socket to the destination at a time", async () => {
    const up = await destination();
    const host = `up.test:${up.port}`;
    const { session, connect } = await harness({ allow: [host] });
    let most = 0;
    up.onConnection(() => (most = Math.max(most, session.upstreams.size)));
    const socket = await connect();
    const count = 12;
    socket.write(
      Array.from({ length: count }, (_, i) =>
        get(host, `/${i}`, "Connection: keep-alive\r\n").replace("Connection: close\r\n", ""),
      ).join(""),
    );
    const answers = await until(socket, `hello /${count - 1}`);
    expect(answers.match(/hello \/\d+/g)).toEqual(Array.from({ length: count }, (_, i) => `hello /${i}`));
    expect(up.connections()).toBe(count);
    expect(most).toBe(1);
  });

  it("cuts off a tunnel that pipelines more requests than it may have waiting", async () => {
    const held: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => held.push(res));
    const port = await listen(server);
    const host = `up.test:${port}`;
    const { connect } = await harness({ allow: [host] });
    const socket = await connect();
    socket.write(Array.from({ length: 100 }, (_, i) => get(host, `/${i}`).replace("Connection: close\r\n", "")).join(""));
    await untilClosed(socket);
    expect(held.length).toBeLessThanOrEqual(1);
  });

  it("counts sockets to destinations against the session's connection limit", async () => {
    const up = await destination();
    const host = `up.test:${up.port}`;
    const { session, connect } = await harness({ allow: [host] }, { limit: 1 });
    const first = await connect();
    first.write(`CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(await until(first, "\r\n\r\n")).toMatch(/^HTTP\/1\.1 200/);
    expect(session.upstreams.size).toBe(1);
    const second = await connect();
    second.write(get(host, "/second"));
    const answer = await untilClosed(second);
    expect(answer).toMatch(/^HTTP\/1\.1 429/);
    expect(up.requests).toEqual([]);
    first.destroy();
    // Once the first is gone its slot is free again.
    await new Promise<void>((resolve) =>
      session.upstreams.size === 0 ? resolve() : first.once("close", () => setImmediate(resolve)),
    );
    const third = await connect();
    third.write(get(host, "/third"));
    expect(await untilClosed(third)).toContain("hello /third");
  });

  it("refuses a connection whose policy went to none while its name resolved", async () => {
    const up = await destination();
    const host = `up.test:${up.port}`;
    let asked: () => void = () => undefined;
    const resolving = new Promise<void>((resolve) => (asked = resolve));
    let answer: (addresses: string[]) => void = () => undefined;
    const resolve = (): Promise<string[]> => {
      asked();
      return new Promise((settle) => (answer = settle));
    };
    const { session, connect } = await harness({ allow: [host] }, { resolve });
    const socket = await connect();
    socket.write(`CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\nfirst bytes`);
    await resolving;
    session.current = "none";
    answer(["127.0.0.1"]);
    const reply = await untilClosed(socket);
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
    expect(reply).toContain("egress policy (none)");
    expect(up.connections()).toBe(0);
  });

  it("answers 503, not 'does not resolve', when the session's lookups are full", async () => {
    const resolve = (): Promise<string[]> => Promise.reject(new PoolFullError("this session has too many names being resolved"));
    const { connect } = await harness({ allow: ["busy.test"] }, { resolve });
    const socket = await connect();
    socket.write("CONNECT busy.test:443 HTTP/1.1\r\nHost: busy.test:443\r\n\r\n");
    const reply = await untilClosed(socket);
    expect(reply).toMatch(/^HTTP\/1\.1 503 Service Unavailable/);
    expect(reply).toContain("busy.test was not looked up: this session has too many names being resolved; try again");
  });

  it("closes a CONNECT tunnel that moves nothing for the idle timeout", async () => {
    let far: net.Socket | undefined;
    const server = net.createServer((socket) => (far = socket));
    const port = await listen(server);
    const host = `up.test:${port}`;
    const { connect } = await harness({ allow: [host] }, { idleTimeoutMs: 200 });
    const socket = await connect();
    socket.write(`CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(await until(socket, "\r\n\r\n")).toMatch(/^HTTP\/1\.1 200/);
    await untilClosed(socket);
    // The destination's side goes too.
    if (far && !far.closed) await once(far.resume(), "close");
    expect(far?.closed).toBe(true);
  });

  it("closes a tunnel that sends no request in time", async () => {
    const { connect } = await harness("registries", { headersTimeoutMs: 200 });
    const socket = await connect();
    socket.write("GET http://registry.npmjs.org/ HTTP/1.1\r\n");
    expect(await untilClosed(socket)).toBe("");
  });

  it("adds a bound secret to the host however it is spelt, and never sends TRACE with it", async () => {
    const up = await destination();
    const secrets: BoundSecret[] = [{ host: "API.test.", header: "Authorization", value: "Bearer s3cret", https: false }];
    const { connect } = await harness({ allow: [`api.test:${up.port}`] }, { secrets });
    for (const spelling of [`api.test:${up.port}`, `api.test.:${up.port}`]) {
      const socket = await connect();
      socket.write(get(spelling, "/get"));
      expect(await untilClosed(socket)).toContain("hello /get");
    }
    expect(up.requests.map((req) => req.headers.authorization)).toEqual(["Bearer s3cret", "Bearer s3cret"]);
    const trace = await connect();
    trace.write(get(`api.test:${up.port}`, "/trace").replace(/^GET/, "TRACE"));
    const answer = await untilClosed(trace);
    expect(answer).toMatch(/^HTTP\/1\.1 403/);
    expect(answer).not.toContain("s3cret");
    expect(up.requests).toHaveLength(2);
  });

  it("refuses a request to a host whose bound secret no longer unseals instead of sending it without", async () => {
    const up = await destination();
    const { connect, session } = await harness({ allow: [`api.test:${up.port}`] }, { unreadable: ["api.test"] });
    const socket = await connect();
    socket.write(get(`api.test:${up.port}`, "/get"));
    const answer = await untilClosed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 502/);
    expect(answer).toContain("sealed with another server key");
    expect(up.requests).toHaveLength(0);
    expect(session.usage.denied).toBe(1);
  });

  it("answers 502 to an upstream status outside 100-999 and carries the next request", async () => {
    const odd = net.createServer((socket) =>
      socket.once("data", () => socket.end("HTTP/1.1 000 Odd\r\nContent-Length: 0\r\n\r\n")),
    );
    const oddPort = await listen(odd);
    const up = await destination();
    const { connect } = await harness({ allow: [`odd.test:${oddPort}`, `up.test:${up.port}`] });
    const socket = await connect();
    socket.write(get(`odd.test:${oddPort}`, "/", "Connection: keep-alive\r\n").replace("Connection: close\r\n", ""));
    socket.write(get(`up.test:${up.port}`, "/next"));
    const answers = await untilClosed(socket);
    expect(answers).toMatch(/^HTTP\/1\.1 502/);
    expect(answers).toContain("invalid status");
    expect(answers).toContain("hello /next");
  });

  it("answers 502 when a bound secret cannot be sent as a header, and carries the next request", async () => {
    const up = await destination();
    const secrets: BoundSecret[] = [{ host: "bad.test", header: "Authorization", value: "Bearer \u0001x", https: false }];
    const { connect } = await harness({ allow: [`bad.test:${up.port}`, `up.test:${up.port}`] }, { secrets });
    const socket = await connect();
    socket.write(get(`bad.test:${up.port}`, "/bad", "Connection: keep-alive\r\n").replace("Connection: close\r\n", ""));
    socket.write(get(`up.test:${up.port}`, "/next"));
    const answers = await untilClosed(socket);
    expect(answers).toMatch(/^HTTP\/1\.1 502/);
    expect(answers).toContain("hello /next");
    expect(up.requests.map((req) => req.url)).toEqual(["/next"]);
  });

  it("refuses a CONNECT pipelined behind a request in progress and closes the connection", async () => {
    let lookups = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const up = await destination();
    const { session, connect } = await harness(
      { allow: [`slow.test:${up.port}`, `other.test:${up.port}`] },
      {
        resolve: async () => {
          lookups += 1;
          await held;
          return ["127.0.0.1"];
        },
      },
    );
    const socket = await connect();
    socket.write(
      get(`slow.test:${up.port}`, "/", "Connection: keep-alive\r\n").replace("Connection: close\r\n", "") +
        `CONNECT other.test:${up.port} HTTP/1.1\r\nHost: other.test:${up.port}\r\n\r\n`,
    );
    const answer = untilClosed(socket);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const text = await answer;
    expect(text).toContain("HTTP/1.1 400");
    expect(text).toContain("another request on this connection is in progress");
    expect(lookups).toBe(1);
    expect(session.upstreams.size).toBe(0);
  });

  it("refuses CONNECT to port 80", async () => {
    const { connect } = await harness({ allow: ["plain.test"] });
    const socket = await connect();
    socket.write("CONNECT plain.test:80 HTTP/1.1\r\nHost: plain.test:80\r\n\r\n");
    const answer = await untilClosed(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 403/);
    expect(answer).toContain("port 80");
  });

  it("passes a TLS tunnel only when its server name is the CONNECT host", async () => {
    let received = Buffer.alloc(0);
    let arrived: () => void = () => undefined;
    const firstBytes = new Promise<void>((resolve) => (arrived = resolve));
    const server = net.createServer((socket) =>
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        arrived();
      }),
    );
    const port = await listen(server);
    const host = `front.test:${port}`;
    const { session, connect } = await harness({ allow: [host] });
    const attempt = async (servername: string): Promise<net.Socket> => {
      const socket = await connect();
      socket.write(`CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect(await until(socket, "\r\n\r\n")).toMatch(/^HTTP\/1\.1 200/);
      const client = tls.connect({ socket, servername });
      client.on("error", () => undefined);
      return socket;
    };
    const fronted = await attempt("hidden.example.com");
    await untilClosed(fronted);
    expect(session.usage.denied).toBe(1);
    expect(received.length).toBe(0);

    const honest = await attempt("front.test");
    await firstBytes;
    expect(received[0]).toBe(0x16);
    honest.destroy();
  });
});
