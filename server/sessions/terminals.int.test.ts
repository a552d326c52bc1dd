import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// The function Next.js itself uses to send a route's Response body to the client (it awaits drain).
import { pipeToNodeResponse } from "next/dist/server/pipe-readable";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventStream } from "@/server/rest/http";
import { openTerminal } from "@/server/sandbox/shells";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { slowReader, terminalText } from "@/test/slow-reader";
import { waitFor } from "@/test/wait";
import { REPLAY_BYTES, TerminalRegistry, type Terminal } from "./terminals";

let h: SandboxHarness;
let session: string;
let registry: TerminalRegistry;
let server: Server;
let port: number;

/** Serves GET /:terminal/output as the REST route does: eventStream over the terminal, piped by Next's own code. */
function serve(): Promise<void> {
  server = createServer((req, res) => {
    const terminal = registry.get(session, (req.url ?? "").split("/")[1] ?? "");
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const response = eventStream(terminal.output(0, controller.signal), controller.signal, (event, data) =>
      event === "data" ? String((data as { seq: number }).seq) : undefined,
    );
    res.writeHead(200, Object.fromEntries(response.headers));
    void pipeToNodeResponse(response.body as ReadableStream<Uint8Array>, res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as AddressInfo).port;
      resolve();
    }),
  );
}

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
  registry = new TerminalRegistry(2);
  await serve();
}, 120_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h[Symbol.asyncDispose]();
});

async function newTerminal(id = session): Promise<Terminal> {
  return registry.add(id, await openTerminal(h.manager, id, { cols: 80, rows: 24 }));
}

describe("Terminal output under a slow reader", () => {
  it("keeps the server's memory bounded while the terminal floods, and the slow reader skips output", async () => {
    const terminal = await newTerminal();
    const reader = slowReader("127.0.0.1", port, `/${terminal.id}/output`);
    let produced = 0;
    let tail = "";
    const pty = (terminal as unknown as { pty: { stream: NodeJS.ReadableStream } }).pty;
    pty.stream.on("data", (chunk: Buffer) => {
      produced += chunk.length;
      tail = (tail + chunk.toString("latin1")).slice(-256);
    });
    await waitFor("the slow reader's first bytes", () => reader.received().includes(" 200 OK"), 30_000);
    // RSS is what the finding measured; arrayBuffers (Buffers held) shows what is kept, not just touched.
    const before = process.memoryUsage();
    const peak = { rss: before.rss, arrayBuffers: before.arrayBuffers };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    }, 100);
    // A flood bounded in time inside the sandbox; the marker after it differs from the echoed command line.
    terminal.write("timeout 15 yes 0123456789abcdefghijklmnopqrstuvwxyz; echo FLOOD-$((0+1))DONE\n");
    await waitFor("the flood to end", () => tail.includes("FLOOD-1DONE"), 120_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the terminal's last output: ${JSON.stringify(tail)}`);
    });
    clearInterval(sampler);
    const rssMb = (peak.rss - before.rss) / 1e6;
    const heldMb = (peak.arrayBuffers - before.arrayBuffers) / 1e6;
    console.log(
      `terminal flood: ${(produced / 1e6).toFixed(0)} MB produced, slow reader got ${reader.received().length} bytes; server RSS +${rssMb.toFixed(1)} MB, buffers held +${heldMb.toFixed(1)} MB (peaks)`,
    );
    // The flood was real: many times what the server may keep for it.
    expect(produced).toBeGreaterThan(200 * REPLAY_BYTES);
    // The server kept a bounded share of it (before, it queued everything for the reader).
    // (Buffers held include garbage not yet collected, so their bound leaves room for the collector;
    // before the fix they grew by hundreds of MB.)
    expect(rssMb).toBeLessThan(64);
    expect(heldMb).toBeLessThan(128);
    // The slow reader was throttled (it got what it read, no more) and told that output was skipped.
    reader.speedUp();
    await waitFor("the gap event", () => reader.received().includes("event: gap"), 30_000);
    reader.socket.destroy();
    // The terminal and the server still serve a new reader, up to the latest output.
    const fresh = slowReader("127.0.0.1", port, `/${terminal.id}/output`);
    fresh.speedUp();
    terminal.write("echo still-$((6*7))\n");
    await waitFor("a fresh reader to see new output", () => terminalText(fresh.received()).includes("still-42"), 30_000);
    fresh.socket.destroy();
    registry.remove(session, terminal.id);
  });
});

describe("Terminals per session", () => {
  it("are capped: one past the cap is refused with a 409 that says what to do, and closing one makes room", async () => {
    const capped = h.session();
    const first = await newTerminal(capped);
    await newTerminal(capped);
    const pty = await openTerminal(h.manager, capped, { cols: 80, rows: 24 });
    let closed = false;
    pty.stream.on("close", () => (closed = true));
    let refusal: unknown;
    try {
      registry.add(capped, pty);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ name: "SandboxError", code: "CONFLICT" });
    expect((refusal as Error).message).toMatch(/already has 2 open terminals.*SANDPIT_TERMINALS_PER_SESSION.*close one/);
    await waitFor("the refused terminal's PTY to close", () => closed, 10_000);
    registry.remove(capped, first.id);
    const third = await newTerminal(capped);
    expect(registry.get(capped, third.id)).toBe(third);
  });
});

describe("Terminal input", () => {
  it("is refused with a 409 once a terminal that does not read its input has a bounded amount waiting", async () => {
    const id = h.session();
    const terminal = await newTerminal(id);
    terminal.write("sleep 600\n"); // from now on nothing reads the terminal's input
    const chunk = Buffer.alloc(64 * 1024, "x");
    let refusal: unknown;
    let sent = 0;
    await waitFor(
      "the input to be refused",
      async () => {
        try {
          terminal.write(chunk);
          sent += chunk.length;
        } catch (error) {
          refusal = error;
          return true;
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        return false;
      },
      60_000,
    );
    expect(refusal).toMatchObject({ name: "SandboxError", code: "CONFLICT" });
    expect((refusal as Error).message).toMatch(/is not reading its input/);
    // What waits is bounded: the cap, plus what the kernel and Docker took before the stream pushed back.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    registry.remove(id, terminal.id);
  });
});
