import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { parseClientHello } from "./client-hello";

/** The first record a real TLS client sends, caught by a loopback server this test starts. */
async function clientHello(servername: string): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const caught = once(server, "connection").then(async ([socket]) => {
    const [chunk] = (await once(socket as net.Socket, "data")) as [Buffer];
    (socket as net.Socket).destroy();
    return chunk;
  });
  const client = tls.connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, servername });
  client.on("error", () => undefined);
  const hello = await caught;
  client.destroy();
  server.close();
  return hello;
}

/** The same handshake bytes cut into two records. */
function split(hello: Buffer, at: number): Buffer {
  const body = hello.subarray(5);
  const record = (fragment: Buffer): Buffer => {
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(fragment.length, 3);
    return Buffer.concat([header, fragment]);
  };
  return Buffer.concat([record(body.subarray(0, at)), record(body.subarray(at))]);
}

describe("parseClientHello", () => {
  it("reads the server name of a real ClientHello, whole or cut into records", async () => {
    const hello = await clientHello("api.example.com");
    expect(parseClientHello(hello)).toEqual({ kind: "hello", serverName: "api.example.com" });
    expect(parseClientHello(split(hello, 2))).toEqual({ kind: "hello", serverName: "api.example.com" });
    expect(parseClientHello(split(hello, 100))).toEqual({ kind: "hello", serverName: "api.example.com" });
  });

  it("waits for more while the hello is cut short, and says so for what is not TLS", async () => {
    const hello = await clientHello("api.example.com");
    expect(parseClientHello(hello.subarray(0, 3))).toEqual({ kind: "incomplete" });
    expect(parseClientHello(hello.subarray(0, hello.length - 1))).toEqual({ kind: "incomplete" });
    expect(parseClientHello(Buffer.from("GET / HTTP/1.1\r\n"))).toEqual({ kind: "notTls" });
    expect(parseClientHello(Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"))).toEqual({ kind: "notTls" });
  });

  it("refuses a hello that carries two server names or is not a ClientHello", async () => {
    const hello = await clientHello("api.example.com");
    // A second server_name extension appended to the extensions block.
    const name = Buffer.from("evil.example.com");
    const data = Buffer.alloc(5 + name.length);
    data.writeUInt16BE(3 + name.length, 0);
    data.writeUInt8(0, 2);
    data.writeUInt16BE(name.length, 3);
    name.copy(data, 5);
    expect(parseClientHello(withExtension(hello, 0x0000, data))).toEqual({ kind: "malformed" });

    const serverHello = Buffer.from(hello);
    serverHello[5] = 2;
    expect(parseClientHello(serverHello)).toEqual({ kind: "malformed" });
  });

  it("says a hello with Encrypted Client Hello hides its server name, whichever code point it uses", async () => {
    const hello = await clientHello("api.example.com");
    for (const type of [0xfe0d, 0xffce])
      expect(parseClientHello(withExtension(hello, type, Buffer.alloc(200, 1)))).toEqual({ kind: "encrypted" });
  });
});

/** A one-record ClientHello with one more extension appended to its extensions block. */
function withExtension(hello: Buffer, type: number, data: Buffer): Buffer {
  const body = Buffer.from(hello.subarray(9));
  const extension = Buffer.alloc(4 + data.length);
  extension.writeUInt16BE(type, 0);
  extension.writeUInt16BE(data.length, 2);
  data.copy(extension, 4);
  const withExtra = Buffer.concat([body, extension]);
  let extensionsAt = 2 + 32;
  extensionsAt += 1 + (withExtra[extensionsAt] ?? 0);
  extensionsAt += 2 + withExtra.readUInt16BE(extensionsAt);
  extensionsAt += 1 + (withExtra[extensionsAt] ?? 0);
  withExtra.writeUInt16BE(withExtra.readUInt16BE(extensionsAt) + extension.length, extensionsAt);
  const handshake = Buffer.alloc(4);
  handshake.writeUInt32BE(withExtra.length);
  handshake[0] = 1;
  const record = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
  record.writeUInt16BE(handshake.length + withExtra.length, 3);
  return Buffer.concat([record, handshake, withExtra]);
}
