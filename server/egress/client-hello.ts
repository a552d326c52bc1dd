import "server-only";
import type { Duplex } from "node:stream";

/** What the first bytes of a tunnel say: not TLS at all, a ClientHello (with its server name, if any), or nothing usable. */
export type HelloVerdict =
  | { kind: "notTls" }
  | { kind: "hello"; serverName: string | undefined }
  | { kind: "encrypted" }
  | { kind: "malformed" }
  | { kind: "incomplete" };

/** A ClientHello bigger than this is refused (post-quantum key shares make them ~2 KiB; 64 KiB is the protocol's own bound per message). */
const MAX_HELLO_BYTES = 64 * 1024;
const RECORD_HEADER = 5;
const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME = 0x0000;
/** Encrypted Client Hello (RFC 9849) and its draft code point: the server may route by a hidden inner name. */
const ENCRYPTED_CLIENT_HELLO = new Set([0xfe0d, 0xffce]);

class Reader {
  at = 0;
  constructor(private readonly data: Buffer) {}
  get left(): number {
    return this.data.length - this.at;
  }
  u8(): number {
    if (this.at + 1 > this.data.length) throw new RangeError("short");
    return this.data[this.at++] as number;
  }
  u16(): number {
    if (this.at + 2 > this.data.length) throw new RangeError("short");
    const value = this.data.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }
  bytes(length: number): Buffer {
    if (this.at + length > this.data.length) throw new RangeError("short");
    const value = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
}

/** What a complete ClientHello body names; throws RangeError when the body is malformed. */
function verdictOf(body: Buffer): HelloVerdict {
  const hello = new Reader(body);
  hello.bytes(2 + 32); // legacy version, random
  hello.bytes(hello.u8()); // session id
  hello.bytes(hello.u16()); // cipher suites
  hello.bytes(hello.u8()); // compression methods
  if (hello.left === 0) return { kind: "hello", serverName: undefined }; // no extensions
  const extensions = new Reader(hello.bytes(hello.u16()));
  let found: string | undefined;
  let seen = false;
  let encrypted = false;
  while (extensions.left > 0) {
    const type = extensions.u16();
    const data = extensions.bytes(extensions.u16());
    if (ENCRYPTED_CLIENT_HELLO.has(type)) encrypted = true;
    if (type !== SERVER_NAME) continue;
    // Two server_name extensions would let the proxy and the destination read different names.
    if (seen) throw new RangeError("two server_name extensions");
    seen = true;
    const list = new Reader(data);
    const names = new Reader(list.bytes(list.u16()));
    while (names.left > 0) {
      const nameType = names.u8();
      const name = names.bytes(names.u16());
      if (nameType !== 0) continue;
      if (found !== undefined) throw new RangeError("two host names");
      found = name.toString("latin1");
    }
  }
  return encrypted ? { kind: "encrypted" } : { kind: "hello", serverName: found };
}

/** Judges the bytes a tunnel's client sent so far (TLS records carrying the first handshake message). */
export function parseClientHello(data: Buffer): HelloVerdict {
  if (data.length === 0) return { kind: "incomplete" };
  if (data[0] !== HANDSHAKE) return { kind: "notTls" };
  const fragments: Buffer[] = [];
  let handshakeBytes = 0;
  let at = 0;
  // The handshake message may span records; gather their fragments until it is whole.
  while (at + RECORD_HEADER <= data.length) {
    if (data[at] !== HANDSHAKE) return { kind: "malformed" };
    const length = data.readUInt16BE(at + 3);
    if (length === 0 || length > 16_384) return { kind: "malformed" };
    if (at + RECORD_HEADER + length > data.length) break;
    fragments.push(data.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length));
    handshakeBytes += length;
    at += RECORD_HEADER + length;
    const handshake = Buffer.concat(fragments, handshakeBytes);
    if (handshake.length < 4) continue;
    if (handshake[0] !== CLIENT_HELLO) return { kind: "malformed" };
    const messageLength = handshake.readUIntBE(1, 3);
    if (messageLength > MAX_HELLO_BYTES) return { kind: "malformed" };
    if (handshake.length < 4 + messageLength) continue;
    try {
      return verdictOf(handshake.subarray(4, 4 + messageLength));
    } catch {
      return { kind: "malformed" };
    }
  }
  return data.length > MAX_HELLO_BYTES + 8 * RECORD_HEADER ? { kind: "malformed" } : { kind: "incomplete" };
}

/**
 * Reads a tunnel's first bytes until they are judged (or `timeoutMs` passes, if not 0, or the
 * client stops), and hands them back unconsumed in `buffered`, the stream left paused.
 */
export function readClientHello(
  stream: Duplex,
  head: Buffer,
  timeoutMs: number,
): Promise<{ verdict: HelloVerdict; buffered: Buffer }> {
  return new Promise((resolve) => {
    let buffered = head;
    const first = parseClientHello(buffered);
    if (first.kind !== "incomplete") return resolve({ verdict: first, buffered });
    const finish = (verdict: HelloVerdict): void => {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onGone);
      stream.off("close", onGone);
      stream.pause();
      resolve({ verdict, buffered });
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const verdict = parseClientHello(buffered);
      if (verdict.kind !== "incomplete") finish(verdict);
    };
    const onGone = (): void => finish({ kind: "incomplete" });
    const timer = timeoutMs > 0 ? setTimeout(onGone, timeoutMs) : undefined;
    stream.on("data", onData);
    stream.once("end", onGone);
    stream.once("close", onGone);
  });
}
