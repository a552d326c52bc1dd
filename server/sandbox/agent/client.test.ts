import { PassThrough, Readable } from "node:stream";
import { once } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { AgentClient } from "./client";
import {
  ARCHIVE_CHUNK_BYTES,
  DISPLAY_ITEM_BYTES,
  DISPLAY_MAX_ITEMS,
  DISPLAY_TOTAL_BYTES,
  MAX_LINE_BYTES,
  TUNNEL_CHUNK_BYTES,
  TUNNEL_WINDOW,
  type ServerMessage,
} from "./inside/protocol";
import { SandboxError, SandboxUnavailableError } from "../errors";

/** A fake agent: what the client writes arrives as lines in `requests`; `reply` sends raw bytes back. */
function fakeAgent(): {
  client: AgentClient;
  requests: ServerMessage[];
  reply: (text: string | Buffer) => void;
  closed: () => boolean;
} {
  const input = new PassThrough();
  const output = new PassThrough();
  const requests: ServerMessage[] = [];
  let buffered = "";
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line) requests.push(JSON.parse(line) as ServerMessage);
  });
  let isClosed = false;
  const client = new AgentClient({
    input,
    output,
    close: () => {
      isClosed = true;
      input.destroy();
    },
  });
  return { client, requests, reply: (text) => input.write(text), closed: () => isClosed };
}

async function nextRequest(requests: ServerMessage[]): Promise<ServerMessage> {
  for (let i = 0; i < 100 && requests.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
  const request = requests.shift();
  if (!request) throw new Error("the client sent no request");
  return request;
}

describe("AgentClient against a hostile agent", () => {
  it("answers a well-formed reply with a checked result", async () => {
    const agent = fakeAgent();
    const pending = agent.client.request("kill", { runId: "r" });
    const request = await nextRequest(agent.requests);
    expect(request).toMatchObject({ type: "request", op: "kill", params: { runId: "r" } });
    agent.reply(`${JSON.stringify({ id: request.id, type: "result", result: { killed: true } })}\n`);
    await expect(pending).resolves.toEqual({ killed: true });
  });

  it("closes the connection on a line over the limit, without holding it", async () => {
    const agent = fakeAgent();
    const pending = agent.client.request("shell.list", {});
    const before = process.memoryUsage().arrayBuffers;
    // 64 MiB of one endless line, sent in 1 MiB pieces.
    const piece = Buffer.alloc(1024 * 1024, "a");
    for (let i = 0; i < 64 && !agent.closed(); i++) agent.reply(piece);
    await expect(pending).rejects.toThrow(`the sandbox agent sent a line longer than ${MAX_LINE_BYTES} bytes`);
    await expect(pending).rejects.toBeInstanceOf(SandboxUnavailableError);
    expect(agent.closed()).toBe(true);
    expect(agent.client.isOpen).toBe(false);
    // Bounded: far less than the 64 MiB sent is retained.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    await expect(agent.client.request("shell.list", {})).rejects.toThrow("longer than");
  });

  it("closes the connection on a line that is not JSON", async () => {
    const agent = fakeAgent();
    const pending = agent.client.request("shell.list", {});
    agent.reply("{not json\n");
    await expect(pending).rejects.toThrow("the sandbox agent sent a line that is not JSON");
    expect(agent.closed()).toBe(true);
  });

  it("closes the connection on a message of an unknown shape or a result of the wrong shape", async () => {
    const shape = fakeAgent();
    const first = shape.client.request("shell.list", {});
    shape.reply(`${JSON.stringify({ id: 1, type: "surprise", payload: 1 })}\n`);
    await expect(first).rejects.toThrow("a message of an unknown shape");

    const wrong = fakeAgent();
    const second = wrong.client.request("kill", { runId: "r" });
    const request = await nextRequest(wrong.requests);
    wrong.reply(`${JSON.stringify({ id: request.id, type: "result", result: { killed: "yes" } })}\n`);
    await expect(second).rejects.toThrow("answered kill with a result of the wrong shape");
    expect(wrong.closed()).toBe(true);
  });

  it("times out a request that is never answered, and the connection stays usable", async () => {
    const agent = fakeAgent();
    const silent = agent.client.request("shell.list", {}, { timeoutMs: 50 });
    await expect(silent).rejects.toThrow("the sandbox agent did not answer shell.list within 0 s");
    await expect(silent).rejects.toBeInstanceOf(SandboxUnavailableError);
    // The timed-out request is cancelled; a late answer to it is ignored.
    const sent = agent.requests.splice(0);
    expect(sent.map((m) => m.type)).toEqual(["request", "cancel"]);
    agent.reply(`${JSON.stringify({ id: sent[0]?.id, type: "result", result: [] })}\n`);
    const next = agent.client.request("kill", { runId: "x" });
    const request = await nextRequest(agent.requests);
    agent.reply(`${JSON.stringify({ id: request.id, type: "result", result: { killed: false } })}\n`);
    await expect(next).resolves.toEqual({ killed: false });
  });

  it("fails every request when the agent goes away", async () => {
    const agent = fakeAgent();
    const pending = agent.client.request("shell.list", {});
    agent.client.close();
    await expect(pending).rejects.toBeInstanceOf(SandboxUnavailableError);
  });

  it("refuses an upload that is not gzip before sending anything", async () => {
    const agent = fakeAgent();
    const upload = agent.client.archiveIn(Readable.from([Buffer.from("PK\u0003\u0004 a zip file")]), { timeoutMs: 1_000 });
    await expect(upload).rejects.toThrow("the archive is not gzip-compressed (.tar.gz)");
    await expect(upload).rejects.toBeInstanceOf(SandboxError);
    expect(agent.requests).toEqual([]);
  });

  it("sends archive chunks only against credit", async () => {
    const agent = fakeAgent();
    const body = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(3 * 256 * 1024, 1)]);
    const upload = agent.client.archiveIn(Readable.from([body]), { timeoutMs: 5_000 });
    const request = await nextRequest(agent.requests);
    expect(request).toMatchObject({ type: "request", op: "archive.in" });
    // No credit yet: nothing may follow the request.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(agent.requests).toEqual([]);
    agent.reply(`${JSON.stringify({ id: request.id, type: "credit", n: 2 })}\n`);
    for (let i = 0; i < 20 && agent.requests.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(agent.requests.map((m) => m.type)).toEqual(["data", "data"]);
    agent.reply(`${JSON.stringify({ id: request.id, type: "credit", n: 8 })}\n`);
    for (let i = 0; i < 100 && agent.requests.at(-1)?.type !== "end"; i++) await new Promise((resolve) => setImmediate(resolve));
    // 2 + 768 KiB: three full chunks and a short one.
    expect(agent.requests.map((m) => m.type)).toEqual(["data", "data", "data", "data", "end"]);
    agent.reply(`${JSON.stringify({ id: request.id, type: "result", result: { files: 3 } })}\n`);
    await expect(upload).resolves.toEqual({ files: 3 });
  });

  it("refuses archive data an agent sends beyond the credit it was given", async () => {
    const agent = fakeAgent();
    const download = agent.client.archiveOut({ timeoutMs: 5_000 });
    const failed = new Promise<Error>((resolve) => download.on("error", resolve));
    const request = await nextRequest(agent.requests);
    expect(request).toMatchObject({ type: "request", op: "archive.out" });
    const credit = await nextRequest(agent.requests);
    expect(credit).toMatchObject({ type: "credit" });
    const window = credit.type === "credit" ? credit.n : 0;
    // Nobody reads the download: one chunk past the window is refused instead of being held.
    const chunk = Buffer.alloc(ARCHIVE_CHUNK_BYTES, 7).toString("base64");
    for (let i = 0; i <= window; i++) agent.reply(`${JSON.stringify({ id: request.id, type: "data", data: chunk })}\n`);
    expect((await failed).message).toBe("the sandbox agent sent archive data it was not asked for");
  });
});

describe("AgentClient and what a run shows, against a hostile agent", () => {
  const result = {
    exitCode: 0,
    durationMs: 1,
    timedOut: false,
    truncated: false,
    stdoutTruncated: false,
    stderrTruncated: false,
    stdout: "",
    stderr: "",
  };

  async function shown(items: Buffer[]): Promise<{ count: number; bytes: number }> {
    const agent = fakeAgent();
    let count = 0;
    let bytes = 0;
    const pending = agent.client.request(
      "run",
      { runId: "r", argv: ["true"], cwd: "/workspace", env: {}, timeoutMs: 1_000, outputLimit: 1024, display: true },
      {
        onDisplay: ({ data }) => {
          count += 1;
          bytes += data.length;
        },
      },
    );
    const request = await nextRequest(agent.requests);
    for (const data of items)
      agent.reply(`${JSON.stringify({ id: request.id, type: "display", mime: "image/png", data: data.toString("base64") })}\n`);
    agent.reply(`${JSON.stringify({ id: request.id, type: "result", result })}\n`);
    await pending;
    return { count, bytes };
  }

  it("hands on at most the items one run may show, however many the agent sends", async () => {
    const items = Array.from({ length: 200 }, () => Buffer.alloc(1024, 1));
    expect(await shown(items)).toEqual({ count: DISPLAY_MAX_ITEMS, bytes: DISPLAY_MAX_ITEMS * 1024 });
  });

  it("hands on at most the bytes one run may show in all", async () => {
    const items = Array.from({ length: 8 }, () => Buffer.alloc(DISPLAY_ITEM_BYTES, 1));
    const { bytes } = await shown(items);
    expect(bytes).toBeLessThanOrEqual(DISPLAY_TOTAL_BYTES);
    expect(bytes).toBe(DISPLAY_TOTAL_BYTES);
  });
});

describe("AgentClient tunnels against a hostile agent", () => {
  it("ends a tunnel whose agent sends more chunks than it was granted, instead of buffering them", async () => {
    const agent = fakeAgent();
    const accepted = agent.client.accept(3128);
    const request = await nextRequest(agent.requests);
    expect(request).toMatchObject({ type: "request", op: "tunnel.accept", params: { port: 3128 } });
    agent.reply(`${JSON.stringify({ id: request.id, type: "open" })}\n`);
    const stream = await accepted.stream;
    const failed = new Promise<Error>((resolve) => stream.once("error", resolve));
    // Nobody reads: the window, and the credit for what fits the stream's buffer, is all the agent may send.
    const chunk = Buffer.alloc(TUNNEL_CHUNK_BYTES, 1).toString("base64");
    for (let i = 0; i < TUNNEL_WINDOW + 3; i++) agent.reply(`${JSON.stringify({ id: request.id, type: "data", data: chunk })}\n`);
    expect((await failed).message).toBe("the sandbox agent sent tunnel data it was not granted");
    // The agent is told to close its socket.
    await waitForRequest(agent.requests, (message) => message.type === "cancel" && message.id === request.id);
  });

  it("returns credit as the reader consumes, and only then", async () => {
    const agent = fakeAgent();
    const accepted = agent.client.accept(3128);
    const request = await nextRequest(agent.requests);
    agent.reply(`${JSON.stringify({ id: request.id, type: "open" })}\n`);
    const stream = await accepted.stream;
    stream.pause();
    const big = Buffer.alloc(TUNNEL_CHUNK_BYTES, 2).toString("base64");
    for (let i = 0; i < TUNNEL_WINDOW; i++) agent.reply(`${JSON.stringify({ id: request.id, type: "data", data: big })}\n`);
    await waitFor(() => stream.readableLength === TUNNEL_WINDOW * TUNNEL_CHUNK_BYTES);
    const credits = (): number =>
      agent.requests
        .filter((m) => m.type === "credit" && m.id === request.id)
        .reduce((n, m) => n + (m.type === "credit" ? m.n : 0), 0);
    // The stream's buffer holds two chunks' worth before it stops granting.
    expect(credits()).toBeLessThan(TUNNEL_WINDOW);
    stream.resume();
    await waitFor(() => credits() === TUNNEL_WINDOW);
  });
});

describe("TunnelStream as a socket", () => {
  it("emits timeout after the idle time set with setTimeout, as node's HTTP server expects", async () => {
    const agent = fakeAgent();
    const accepted = agent.client.accept(3128);
    const request = await nextRequest(agent.requests);
    agent.reply(`${JSON.stringify({ id: request.id, type: "open" })}\n`);
    const stream = await accepted.stream;
    const timedOut = new Promise<void>((resolve) => stream.setTimeout(50, resolve));
    await timedOut;
    // setTimeout(0) turns it off, and a destroyed stream keeps no timer.
    stream.setTimeout(0);
    stream.destroy();
    await once(stream, "close");
  });

  it("stops waiting for a closed tunnel's result when the agent never sends it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const agent = fakeAgent();
      const accepted = agent.client.accept(3128);
      const request = await nextRequest(agent.requests);
      agent.reply(`${JSON.stringify({ id: request.id, type: "open" })}\n`);
      const stream = await accepted.stream;
      stream.on("error", () => undefined);
      const closed = once(stream, "close");
      stream.destroy();
      await closed;
      await waitForRequest(agent.requests, (message) => message.type === "cancel" && message.id === request.id);
      expect(agent.client.waiting).toBe(1);
      vi.advanceTimersByTime(30_000);
      expect(agent.client.waiting).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

async function waitForRequest(requests: ServerMessage[], match: (message: ServerMessage) => boolean): Promise<void> {
  await waitFor(() => requests.some(match));
}
