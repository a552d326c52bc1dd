import { PassThrough } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { EgressPolicy } from "@/lib/egress";
import type { Database } from "@/server/db/client";
import { AgentClient } from "@/server/sandbox/agent/client";
import type { ServerMessage } from "@/server/sandbox/agent/inside/protocol";
import { EgressService } from "./service";
import { SessionEgress } from "./sessions";

type Row = { egress: EgressPolicy; secrets: [] };

/** A database whose reads of the session's egress are answered when the test says. */
function heldDatabase(): { db: Database; reads: Array<(row: Row) => void> } {
  const reads: Array<(row: Row) => void> = [];
  const where = (): Promise<Row[]> => new Promise((resolve) => reads.push((row) => resolve([row])));
  return { db: { select: () => ({ from: () => ({ where }) }) } as unknown as Database, reads };
}

function agent(): { client: AgentClient; sent: ServerMessage[]; seen: (op: string) => Promise<void> } {
  const input = new PassThrough();
  const output = new PassThrough();
  const sent: ServerMessage[] = [];
  output.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) sent.push(JSON.parse(line) as ServerMessage);
  });
  const client = new AgentClient({ input, output, close: () => input.destroy() });
  const seen = async (op: string): Promise<void> => {
    while (!sent.some((message) => message.type === "request" && message.op === op))
      await new Promise((resolve) => setImmediate(resolve));
  };
  return { client, sent, seen };
}

describe("SessionEgress", () => {
  it("applies a policy stored while a starting sandbox was reading the old one", async () => {
    const { db, reads } = heldDatabase();
    const service = new EgressService({
      config: {
        egress: { port: 3128, bandwidth: 1e7, connections: 4, exempt: [], hosts: {} },
        mirrors: {},
        extraCaBundle: undefined,
        web: { allowedHosts: [] },
      },
      log: pino({ level: "silent" }),
    });
    const egress = new SessionEgress(db, service, "/nonexistent-sandpit-data");
    const sandbox = agent();
    const attaching = egress.attach("s", sandbox.client);
    // The owner allows a host after the sandbox's read began, and before it attached.
    const changing = egress.changed("s");
    reads[1]?.({ egress: { allow: ["example.org"] }, secrets: [] });
    await changing;
    reads[0]?.({ egress: "none", secrets: [] });
    while (reads.length < 3) await new Promise((resolve) => setImmediate(resolve));
    reads[2]?.({ egress: { allow: ["example.org"] }, secrets: [] });
    await attaching;
    await sandbox.seen("tunnel.listen");
    expect(sandbox.sent.find((message) => message.type === "request" && message.op === "tunnel.listen")).toMatchObject({
      params: { port: 3128 },
    });
    sandbox.client.close();
  });
});
