import { PassThrough, Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { describe, expect, it } from "vitest";
import { AgentClient } from "@/server/sandbox/agent/client";
import { TUNNEL_CHUNK_BYTES, TUNNEL_WINDOW, type ServerMessage } from "@/server/sandbox/agent/inside/protocol";
import { EgressService } from "./service";

// The service against a scripted agent: it sees every message the host sends, and answers accepts
// as the test says.

const PORT = 3128;

function scriptedAgent(): {
  client: AgentClient;
  sent: ServerMessage[];
  send: (message: Record<string, unknown>) => void;
  next: (match: (message: ServerMessage) => boolean) => Promise<ServerMessage>;
} {
  const input = new PassThrough({ highWaterMark: 1 << 24 });
  const output = new PassThrough();
  const sent: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line) sent.push(JSON.parse(line) as ServerMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const client = new AgentClient({ input, output, close: () => input.destroy() });
  const next = async (match: (message: ServerMessage) => boolean): Promise<ServerMessage> => {
    for (;;) {
      const found = sent.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { client, sent, send: (message) => input.write(`${JSON.stringify(message)}\n`), next };
}

function service(connections: number, options: { log?: Logger; listenRetryMs?: readonly number[] } = {}): EgressService {
  return new EgressService({
    config: {
      egress: { port: PORT, bandwidth: 1e7, connections, exempt: [], hosts: {} },
      mirrors: {},
      extraCaBundle: undefined,
      web: { allowedHosts: [] },
    },
    log: options.log ?? pino({ level: "silent" }),
    listenRetryMs: options.listenRetryMs,
  });
}

/** A logger keeping its lines, to read them back. */
function recordingLog(): { log: Logger; lines: Array<{ level: number; msg: string; sessionId?: string }> } {
  const lines: Array<{ level: number; msg: string; sessionId?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      callback();
    },
  });
  return { log: pino({ level: "warn" }, sink), lines };
}

const listens = (sent: ServerMessage[]): ServerMessage[] =>
  sent.filter((message) => message.type === "request" && message.op === "tunnel.listen");
const cancelled = (sent: ServerMessage[], id: number): boolean =>
  sent.some((message) => message.type === "cancel" && message.id === id);
const EADDRINUSE = "cannot listen on port 3128: listen EADDRINUSE: address already in use 127.0.0.1:3128";

const accepts = (sent: ServerMessage[]): ServerMessage[] =>
  sent.filter((message) => message.type === "request" && message.op === "tunnel.accept");
const dataTo = (sent: ServerMessage[], id: number): string =>
  sent
    .filter((message) => message.id === id && message.type === "data")
    .map((message) => (message.type === "data" ? Buffer.from(message.data, "base64").toString("latin1") : ""))
    .join("");

describe("EgressService", () => {
  it("takes no more connections than the limit and one to refuse, answers that one 429, and takes more once one closes", async () => {
    const agent = scriptedAgent();
    const egress = service(2);
    egress.attach("s", agent.client, { allow: ["example.org"] });
    const taken: number[] = [];
    const nextAccept = async (): Promise<number> => {
      const accept = await agent.next((message) => accepts([message]).length > 0 && !taken.includes(message.id));
      taken.push(accept.id);
      return accept.id;
    };
    const [first, second] = [await nextAccept(), await nextAccept()];
    for (const id of [first, second]) agent.send({ id, type: "open" });
    // The proxy answering on the second tunnel shows both were taken, and any accept that followed was sent.
    const bad = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n").toString("base64");
    agent.send({ id: second, type: "data", data: bad });
    await agent.next((message) => message.id === second && dataTo([message], second).startsWith("HTTP/1.1 400"));
    expect(accepts(agent.sent)).toHaveLength(3);

    // The third connection is past the limit: told so, and closed by the host.
    const third = await nextAccept();
    agent.send({ id: third, type: "open" });
    await agent.next((message) => message.type === "cancel" && message.id === third);
    expect(dataTo(agent.sent, third)).toContain("429 Too Many Requests");
    expect(dataTo(agent.sent, third)).toContain("this session has 2 connections open, the most it may have");

    // The sandbox's first connection closes: its slot is offered again.
    agent.send({ id: first, type: "result", result: { fromSocket: 0, toSocket: 0 } });
    await agent.next(() => accepts(agent.sent).length === 5);
    agent.client.close();
  });

  it("answers a connection it refuses, then cancels it, dropping what the sandbox sends", async () => {
    const agent = scriptedAgent();
    const egress = service(4);
    egress.attach("s", agent.client, { allow: ["example.org"] });
    const waiting = await agent.next((message) => accepts([message]).length > 0);
    // The policy goes to none while the agent is already handing a connection over.
    egress.setPolicy("s", "none");
    await agent.next((message) => message.type === "cancel" && message.id === waiting.id);
    agent.send({ id: waiting.id, type: "open" });
    const chunk = Buffer.alloc(TUNNEL_CHUNK_BYTES, 0x41).toString("base64");
    for (let i = 0; i < TUNNEL_WINDOW; i++) agent.send({ id: waiting.id, type: "data", data: chunk });
    await agent.next((message) => message.type === "data" && message.id === waiting.id);
    const cancels = (): number => agent.sent.filter((message) => message.type === "cancel" && message.id === waiting.id).length;
    // A second cancel, after the answer: the host closed the tunnel instead of waiting for the sandbox.
    await agent.next(() => cancels() === 2);
    expect(dataTo(agent.sent, waiting.id)).toMatch(/^HTTP\/1\.1 403 Forbidden[\s\S]*egress policy is none/);
    expect(egress.usage("s").denied).toBe(1);
    agent.client.close();
    // A deleted session's counters go with it.
    egress.forget("s");
    expect(egress.usage("s").denied).toBe(0);
  });

  it("listens again after the sandbox's listener fails, then reports the proxy unavailable and logs it", async () => {
    const agent = scriptedAgent();
    const { log, lines } = recordingLog();
    const egress = service(4, { log, listenRetryMs: [0, 0] });
    egress.attach("s", agent.client, { allow: ["example.org"] });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const current = await agent.next((message) => message === listens(agent.sent)[attempt - 1]);
      expect(egress.status("s").state).toBe("on");
      agent.send({ id: current.id, type: "error", code: "EXISTS", message: EADDRINUSE });
      await agent.next((message) => message.type === "cancel" && message.id === current.id);
    }
    expect(listens(agent.sent)).toHaveLength(3);
    expect(egress.status("s")).toEqual({
      state: "failed",
      problem: `network proxy not available in this sandbox: ${EADDRINUSE}`,
    });
    expect(lines.filter((line) => line.sessionId === "s" && line.level === 50)).toHaveLength(1);
    agent.client.close();
  });

  it("listens again when an accept fails because the listener went, and serves connections on the new one", async () => {
    const agent = scriptedAgent();
    const egress = service(4, { listenRetryMs: [0] });
    egress.attach("s", agent.client, { allow: ["example.org"] });
    const firstListen = await agent.next((message) => listens([message]).length > 0);
    const firstAccept = await agent.next((message) => accepts([message]).length > 0);
    // The agent's listener went: its waiting accepts fail first.
    agent.send({ id: firstAccept.id, type: "error", code: "NOT_FOUND", message: "the listener on port 3128 closed" });
    await agent.next((message) => message.type === "cancel" && message.id === firstListen.id);
    const secondListen = await agent.next((message) => message === listens(agent.sent)[1]);
    const accept = await agent.next((message) => accepts([message]).length > 0 && message.id > secondListen.id);
    agent.send({ id: accept.id, type: "open" });
    const bad = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n").toString("base64");
    agent.send({ id: accept.id, type: "data", data: bad });
    await agent.next((message) => message.id === accept.id && dataTo([message], accept.id).startsWith("HTTP/1.1 400"));
    expect(cancelled(agent.sent, secondListen.id)).toBe(false);
    expect(egress.status("s")).toEqual({ state: "on", problem: null });
    agent.client.close();
  });

  it("tries afresh when the policy is set again after the proxy was reported unavailable", async () => {
    const agent = scriptedAgent();
    const egress = service(4, { listenRetryMs: [] });
    egress.attach("s", agent.client, { allow: ["example.org"] });
    const listen = await agent.next((message) => listens([message]).length > 0);
    agent.send({ id: listen.id, type: "error", code: "EXISTS", message: EADDRINUSE });
    await agent.next((message) => message.type === "cancel" && message.id === listen.id);
    expect(egress.status("s").state).toBe("failed");
    egress.setPolicy("s", { allow: ["example.org", "example.com"] });
    expect(egress.status("s")).toEqual({ state: "on", problem: null });
    await agent.next(() => listens(agent.sent).length === 2);
    egress.setPolicy("s", "none");
    expect(egress.status("s")).toEqual({ state: "off", problem: null });
    agent.client.close();
  });
});
