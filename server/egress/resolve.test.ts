import dgram from "node:dgram";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createResolver } from "./resolve";

// A DNS server on loopback that this file starts: it answers A queries for `*.test` with
// 192.0.2.1, AAAA queries with nothing, and never answers names under `silent.test`.

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
    const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    socket.send(Buffer.concat([header, packet.subarray(12, end), ...(answers ? [record] : [])]), from.port, from.address);
  });
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { server: `127.0.0.1:${socket.address().port}`, asked };
}

describe("createResolver", () => {
  it("resolves a name's addresses with c-ares, and takes IP literals as they are", async () => {
    const { server } = await dnsServer();
    const resolve = createResolver({ servers: [server] });
    await expect(resolve("api.test")).resolves.toEqual(["192.0.2.1"]);
    await expect(resolve("2001:db8::1")).resolves.toEqual(["2001:db8::1"]);
  });

  it("gives up on a name whose DNS never answers after its tries", async () => {
    const { server, asked } = await dnsServer();
    const resolve = createResolver({ servers: [server], timeoutMs: 50, tries: 2 });
    await expect(resolve("never.silent.test")).rejects.toThrow();
    // Both A and AAAA were asked, twice each.
    expect(asked.filter((name) => name === "never.silent.test")).toHaveLength(4);
  });

  it("refuses at once when as many names as it may resolve, and as many waiting, are under way", async () => {
    const { server, asked } = await dnsServer();
    const resolve = createResolver({ servers: [server], timeoutMs: 200, tries: 1, concurrency: 1, queue: 1 });
    const running = resolve("one.silent.test");
    const waiting = resolve("two.silent.test");
    await expect(resolve("three.silent.test")).rejects.toThrow("too many names are being resolved");
    await expect(running).rejects.toThrow();
    await expect(waiting).rejects.toThrow();
    expect(asked).not.toContain("three.silent.test");
  });
});
