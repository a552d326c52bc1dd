import dgram from "node:dgram";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createResolver } from "./resolve";

// A DNS server on loopback that this file starts: it answers A queries for `*.test` with
// 192.0.2.1 (for 60 s, or 5 s for names under `short.test`), AAAA queries with nothing, and never
// answers names under `silent.test`.

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

/** The question's name, and where the question section ends. */
function question(packet: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let at = 12;
  for (let length = packet[at] ?? 0; length > 0; length = packet[at] ?? 0) {
    labels.push(packet.subarray(at + 1, at + 1 + length).toString("latin1"));
    at += 1 + length;
  }
  return { name: labels.join("."), end: at + 5 };
}

async function dnsServer(): Promise<{ server: string; asked: string[] }> {
  const socket = dgram.createSocket("udp4");
  sockets.push(socket);
  const asked: string[] = [];
  socket.on("message", (packet, from) => {
    const { name, end } = question(packet);
    const type = packet.readUInt16BE(end - 4);
    asked.push(name);
    if (name.endsWith("silent.test")) return;
    const answers = type === 1 ? 1 : 0;
    const header = Buffer.from(packet.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // a response, recursion available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers, 6);
    header.writeUInt32BE(0, 8);
    const ttl = name.endsWith("short.test") ? 5 : 60;
    const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, ttl, 0, 4, 192, 0, 2, 1]);
    socket.send(Buffer.concat([header, packet.subarray(12, end), ...(answers ? [record] : [])]), from.port, from.address);
  });
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { server: `127.0.0.1:${socket.address().port}`, asked };
}

/** Each name once, in the order its first question reached the server (A and AAAA are asked together). */
function order(asked: string[]): string[] {
  return [...new Set(asked)];
}

describe("createResolver", () => {
  it("resolves a name's addresses with c-ares, and takes IP literals as they are", async () => {
    const { server } = await dnsServer();
    const resolver = createResolver({ servers: [server] });
    await expect(resolver.forSession("api.test", "s1")).resolves.toEqual(["192.0.2.1"]);
    await expect(resolver.forSession("2001:db8::1", "s1")).resolves.toEqual(["2001:db8::1"]);
  });

  it("gives up on a name whose DNS never answers after its tries", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server], timeoutMs: 50, tries: 2 });
    await expect(resolver.forSession("never.silent.test", "s1")).rejects.toThrow();
    // Both A and AAAA were asked, twice each.
    expect(asked.filter((name) => name === "never.silent.test")).toHaveLength(4);
  });

  it("refuses at once when as many names as it may resolve, and as many waiting, are under way", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server], timeoutMs: 200, tries: 1, concurrency: 1, queue: 1 });
    const running = resolver.forSession("one.silent.test", "s1");
    const waiting = resolver.forSession("two.silent.test", "s2");
    await expect(resolver.forSession("three.silent.test", "s3")).rejects.toThrow("too many names are being resolved");
    await expect(running).rejects.toThrow();
    await expect(waiting).rejects.toThrow();
    expect(asked).not.toContain("three.silent.test");
  });

  it("keeps a session whose DNS never answers within its share, so another session's name resolves meanwhile", async () => {
    const { server } = await dnsServer();
    const resolver = createResolver({
      servers: [server],
      timeoutMs: 1_000,
      tries: 1,
      concurrency: 4,
      queue: 8,
      perSession: 2,
      perSessionQueue: 2,
    });
    let settled = 0;
    const stuck = [1, 2, 3, 4].map((n) => resolver.forSession(`${n}.silent.test`, "quiet"));
    for (const lookup of stuck) lookup.catch(() => undefined).finally(() => (settled += 1));
    await expect(resolver.forSession("5.silent.test", "quiet")).rejects.toThrow("this session has too many names being resolved");
    await expect(resolver.forSession("api.test", "busy")).resolves.toEqual(["192.0.2.1"]);
    expect(settled).toBe(0);
    await Promise.allSettled(stuck);
  });

  it("lets a session wait for its turn while another session fills the queue, refusing that session's newest lookup instead", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({
      servers: [server],
      timeoutMs: 300,
      tries: 1,
      concurrency: 1,
      queue: 4,
      perSession: 1,
      perSessionQueue: 4,
      cacheMs: 0,
    });
    const hostile = [0, 1, 2, 3, 4].map((n) => resolver.forSession(`${n}.silent.test`, "hostile"));
    const outcomes = Promise.allSettled(hostile);
    await expect(resolver.forSession("api.test", "victim")).resolves.toEqual(["192.0.2.1"]);
    const settled = await outcomes;
    expect(settled.at(-1)).toMatchObject({ status: "rejected", reason: { message: "too many names are being resolved" } });
    // The sessions took turns: the victim's name came after one more of the other's, not after its whole queue.
    expect(order(asked).slice(0, 3)).toEqual(["0.silent.test", "1.silent.test", "api.test"]);
  });

  it("hands free slots to waiting sessions in turn, not in the order they asked", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server], concurrency: 1, queue: 8, cacheMs: 0 });
    const lookups = [
      resolver.forSession("a1.test", "a"),
      resolver.forSession("a2.test", "a"),
      resolver.forSession("a3.test", "a"),
      resolver.forSession("b1.test", "b"),
      resolver.forSession("b2.test", "b"),
    ];
    await Promise.all(lookups);
    expect(order(asked)).toEqual(["a1.test", "a2.test", "b1.test", "a3.test", "b2.test"]);
  });

  it("answers a name asked again from its last answer, for any session", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server] });
    await expect(resolver.forSession("api.test", "s1")).resolves.toEqual(["192.0.2.1"]);
    const questions = asked.length;
    await expect(resolver.forSession("API.test", "s2")).resolves.toEqual(["192.0.2.1"]);
    expect(asked).toHaveLength(questions);
  });

  it("keeps an answer no longer than its TTL, nor than the cache's limit", async () => {
    const { server, asked } = await dnsServer();
    let now = 0;
    const resolver = createResolver({ servers: [server], cacheMs: 30_000, now: () => now });
    const questions = (name: string): number => asked.filter((asked) => asked === name).length;

    // TTL 60 s, kept 30 s.
    await resolver.forSession("api.test", "s1");
    now = 29_999;
    await resolver.forSession("api.test", "s1");
    expect(questions("api.test")).toBe(2);
    now = 30_000;
    await resolver.forSession("api.test", "s1");
    expect(questions("api.test")).toBe(4);

    // TTL 5 s, kept 5 s.
    await resolver.forSession("x.short.test", "s1");
    now += 4_999;
    await resolver.forSession("x.short.test", "s1");
    expect(questions("x.short.test")).toBe(2);
    now += 1;
    await resolver.forSession("x.short.test", "s1");
    expect(questions("x.short.test")).toBe(4);
  });

  it("asks again for a name that did not resolve", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server], timeoutMs: 50, tries: 1 });
    await expect(resolver.forSession("gone.silent.test", "s1")).rejects.toThrow();
    await expect(resolver.forSession("gone.silent.test", "s1")).rejects.toThrow();
    expect(asked.filter((name) => name === "gone.silent.test")).toHaveLength(4);
  });

  it("forgets the least recently used answer when the cache is full", async () => {
    const { server, asked } = await dnsServer();
    const resolver = createResolver({ servers: [server], cacheSize: 2 });
    await resolver.forSession("one.test", "s1");
    await resolver.forSession("two.test", "s1");
    await resolver.forSession("one.test", "s1");
    await resolver.forSession("three.test", "s1");
    const before = asked.length;
    await resolver.forSession("one.test", "s1");
    expect(asked).toHaveLength(before);
    await resolver.forSession("two.test", "s1");
    expect(asked).toHaveLength(before + 2);
  });

  it("resolves the host's own name while the sessions' lookups fill the pool", async () => {
    const { server } = await dnsServer();
    const resolver = createResolver({
      servers: [server],
      timeoutMs: 500,
      tries: 1,
      concurrency: 1,
      queue: 1,
      perSession: 1,
      perSessionQueue: 1,
    });
    const stuck = [resolver.forSession("one.silent.test", "s1"), resolver.forSession("two.silent.test", "s2")];
    await expect(resolver.forSession("api.test", "s3")).rejects.toThrow("too many names are being resolved");
    await expect(resolver.forHost("sandpit.test")).resolves.toEqual(["192.0.2.1"]);
    await Promise.allSettled(stuck);
  });
});
