import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { adminToken } from "@/server/auth/admin-token";
import { nodes as nodeRows, setups } from "@/server/db/schema";
import type { Services } from "@/server/services";
import { SYSTEM } from "@/server/sessions/caller";
import { testDatabases } from "@/test/databases";
import { startServer } from "@/test/server";
import { testServices } from "@/test/services";
import { eventually } from "@/test/wait";
import type { NodeView } from "./registry";

// Nodes share a database, which PGlite cannot be for two processes: PostgreSQL (TEST_DATABASE_URL,
// started by the test command) is needed; without it, outside CI, these tests are skipped.
const postgres = testDatabases().find((database) => database.name === "postgres");

let env: Record<string, string>;
let a: Services & AsyncDisposable;

beforeAll(async () => {
  if (!postgres) return;
  env = { ...(await postgres.env()), SANDPIT_HEARTBEAT_INTERVAL: "1s" };
  a = await testServices({ ...env, SANDPIT_MAX_SANDBOXES: "5", SANDPIT_NODE_ADDRESS: "http://10.0.0.1:3000" });
  await a.nodes.start();
  await a.sandboxes.reconcile();
}, 120_000);
afterAll(async () => {
  if (!postgres) return;
  await a?.nodes.stop();
  await a?.[Symbol.asyncDispose]();
  await postgres.cleanup();
});

const nodeOf = async (id: string): Promise<NodeView | undefined> => (await a.nodes.list()).find((n) => n.id === id);

describe.skipIf(!postgres)("Two Sandpit nodes on one database and one Docker engine", () => {
  it("both register, heartbeat with their load, and one stopping or dying leaves the other's sandbox alone", async () => {
    const session = (await a.sessions.create(SYSTEM, { language: "bash" })).id;
    const started = await a.actions.exec(SYSTEM, session, { command: "echo $$ > /tmp/pid; echo up" });
    expect(started.stdout).toBe("up\n");

    // B: a real server process, with its own data folder (so its own node id) on the same engine.
    const b = await startServer({ ...env, SANDPIT_MAX_SANDBOXES: "3" });
    const bId = readFileSync(`${b.dataDir}/node-id`, "utf8").trim();
    const listed = await fetch(`${b.url}/api/admin/nodes`, { headers: { "x-sandpit-admin-token": adminToken(b.dataDir) } });
    expect(listed.status).toBe(200);
    const { nodes } = (await listed.json()) as { nodes: NodeView[] };
    expect(nodes.find((n) => n.id === a.nodes.id)).toMatchObject({
      state: "alive",
      address: "http://10.0.0.1:3000",
      capacity: 5,
      heartbeat_interval: 1,
      stopped_at: null,
    });
    expect(nodes.find((n) => n.id === bId)).toMatchObject({ state: "alive", address: b.url, capacity: 3 });
    expect((await fetch(`${b.url}/api/admin/nodes`)).status).toBe(403);

    // Heartbeats advance, and carry the sandbox A holds.
    const first = (await nodeOf(a.nodes.id))?.heartbeat_at ?? "";
    const firstB = (await nodeOf(bId))?.heartbeat_at ?? "";
    await eventually("heartbeats of both nodes", async () => {
      const [mine, theirs] = [await nodeOf(a.nodes.id), await nodeOf(bId)];
      return mine && theirs && mine.heartbeat_at > first && theirs.heartbeat_at > firstB && mine.sandboxes === 1
        ? true
        : undefined;
    });

    // B shuts down cleanly (SIGTERM): it marks itself stopped, and A's sandbox was never touched.
    await b[Symbol.asyncDispose]();
    expect(await nodeOf(bId)).toMatchObject({ state: "stopped" });
    expect((await nodeOf(bId))?.stopped_at).not.toBeNull();

    // C dies (SIGKILL): nothing marks it, its heartbeat ages out after three intervals.
    const c = await startServer(env);
    const cId = readFileSync(`${c.dataDir}/node-id`, "utf8").trim();
    expect(await nodeOf(cId)).toMatchObject({ state: "alive" });
    await c.crash();
    await eventually("the dead node counts as lost", async () => ((await nodeOf(cId))?.state === "lost" ? true : undefined));
    await c[Symbol.asyncDispose]();

    // A setup a live node is running stays that node's when this one recovers its own; one the
    // dead node was running becomes this node's with its next heartbeat.
    const setupOn = (sessionId: string, node: string): typeof setups.$inferInsert => ({
      sessionId,
      node,
      spec: { commands: ["true"] },
      specHash: "h",
      layerKey: "layers/h.tar.gz",
      status: "running",
    });
    await a.database.db
      .insert(nodeRows)
      .values({ id: "n-elsewhere", address: "http://10.0.0.9:3000", capacity: 1, heartbeatMs: 3_600_000 });
    await a.database.db.insert(setups).values([setupOn("other-node-setup", "n-elsewhere"), setupOn("dead-node-setup", cId)]);
    await a.setups.recover();
    const [other] = await a.database.db.select().from(setups).where(eq(setups.sessionId, "other-node-setup"));
    expect(other).toMatchObject({ status: "running", node: "n-elsewhere" });
    const taken = await eventually("the dead node's setup to be taken over", async () => {
      const [row] = await a.database.db.select().from(setups).where(eq(setups.sessionId, "dead-node-setup"));
      return row?.node === a.nodes.id ? row : undefined;
    });
    expect(taken.note).toBe(`queued again on another node: node ${cId} stopped answering while this setup was running`);
    // It runs here now; settled before the node's data folder goes.
    expect(["completed", "failed"]).toContain((await a.setups.waitFor("dead-node-setup", 120_000)).status);
    expect((await a.database.db.select().from(setups).where(eq(setups.sessionId, "other-node-setup")))[0]?.node).toBe(
      "n-elsewhere",
    );

    expect(await nodeOf(a.nodes.id)).toMatchObject({ state: "alive" });
    const same = await a.actions.exec(SYSTEM, session, { command: "[ -f /tmp/pid ] && echo same" });
    expect(same.stdout).toBe("same\n");
  });
});
