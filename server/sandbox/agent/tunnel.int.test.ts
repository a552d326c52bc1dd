import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { eventually } from "@/test/wait";
import { run } from "../runs";

let h: SandboxHarness;

beforeAll(async () => {
  h = await sandboxHarness();
});
afterAll(async () => h[Symbol.asyncDispose]());

/** Reads a stream to its end without destroying it (an async iterator would, closing its other half). */
function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

const py = (session: string, code: string): ReturnType<typeof run> =>
  run(h.manager, session, { language: "python", source: { code }, timeoutMs: 60_000 });

describe("Tunnels over the agent channel", () => {
  it("carries a connection made inside the sandbox to the server, byte-exact both ways", async () => {
    const session = h.session();
    const sandbox = await h.manager.ensure(session);
    const listener = sandbox.agent.listen(3128);
    const accepted = sandbox.agent.accept(3128);
    // The server echoes what it gets, reversed in order of chunks, then closes its side.
    const served = accepted.stream.then(async (stream) => {
      const received = await readAll(stream);
      stream.end(Buffer.concat([Buffer.from("sha256:"), Buffer.from(createHash("sha256").update(received).digest("hex"))]));
      return received.length;
    });
    const result = await py(
      session,
      [
        "import socket, hashlib, os",
        "data = os.urandom(3 * 1024 * 1024 + 17)",
        "s = socket.create_connection(('127.0.0.1', 3128))",
        "s.sendall(data)",
        "s.shutdown(socket.SHUT_WR)",
        "answer = b''",
        "while True:",
        "    chunk = s.recv(65536)",
        "    if not chunk: break",
        "    answer += chunk",
        "print(answer.decode() == 'sha256:' + hashlib.sha256(data).hexdigest(), len(data))",
      ].join("\n"),
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`True ${3 * 1024 * 1024 + 17}\n`);
    expect(await served).toBe(3 * 1024 * 1024 + 17);
    listener.close();
    await expect(listener.closed).resolves.toEqual({ accepted: 1 });
    // Nothing listens any more: a connection is refused.
    const after = await py(
      session,
      "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 3128))\nexcept OSError as e:\n    print('refused')",
    );
    expect(after.stdout).toBe("refused\n");
  });

  it("connects from the server to a port inside the sandbox", async () => {
    const session = h.session();
    const sandbox = await h.manager.ensure(session);
    const server = run(h.manager, session, {
      language: "python",
      source: {
        code: [
          "import socket",
          "srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
          "srv.bind(('127.0.0.1', 8000)); srv.listen(1)",
          "print('ready', flush=True)",
          "conn, _ = srv.accept()",
          "data = b''",
          "while True:",
          "    chunk = conn.recv(65536)",
          "    if not chunk: break",
          "    data += chunk",
          "conn.sendall(data[::-1]); conn.close()",
        ].join("\n"),
      },
      timeoutMs: 60_000,
    });
    // The server inside may not listen yet.
    const stream = await eventually("the server inside to listen", () => sandbox.agent.connect(8000).catch(() => undefined));
    const payload = Buffer.from("hello from the host ".repeat(10_000));
    stream.end(payload);
    const answer = await buffer(stream);
    expect(answer.equals(Buffer.from(payload).reverse())).toBe(true);
    expect((await server).exitCode).toBe(0);
  });

  it("refuses a connection to a port where nothing listens with a clear error", async () => {
    const session = h.session();
    const sandbox = await h.manager.ensure(session);
    await expect(sandbox.agent.connect(8001)).rejects.toThrow(/ECONNREFUSED/);
  });
});
