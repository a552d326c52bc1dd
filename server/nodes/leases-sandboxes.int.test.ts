import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { sessionLeases } from "@/server/db/schema";
import { LABEL_NODE, LABEL_ROLE, LABEL_SESSION } from "@/server/sandbox/engine/driver";
import { exec } from "@/server/sandbox/shells";
import { testDatabases } from "@/test/databases";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { eventually, waitFor } from "@/test/wait";
import { MISSED_HEARTBEATS, NodeRegistry } from "./registry";

// Two nodes share one PostgreSQL (PGlite cannot be shared), one object store and, here, one
// Docker engine; each has its own data folder, so its own node id and workspaces.
const postgres = testDatabases().find((database) => database.name === "postgres");

const HEARTBEAT_MS = 1_000;
const log = pino({ level: "silent" });

let database: DatabaseHandle;
let a: SandboxHarness;
let b: SandboxHarness;
const registries = new Map<string, NodeRegistry>();

/** A node in the database whose heartbeat renews its manager's leases, as services.ts wires it. */
async function register(h: SandboxHarness, address: string): Promise<NodeRegistry> {
  const registry = new NodeRegistry({
    db: database.db,
    id: h.node,
    address,
    capacity: 4,
    heartbeatMs: HEARTBEAT_MS,
    sandboxes: () => h.manager.openCount,
    log,
  });
  registry.onHeartbeat(() => h.manager.renewLeases());
  await registry.start();
  registries.set(h.node, registry);
  return registry;
}

beforeAll(async () => {
  if (!postgres) return;
  database = openDatabase(loadConfig(await postgres.env()).database);
  await database.migrate();
  const ttl = MISSED_HEARTBEATS * HEARTBEAT_MS;
  a = await sandboxHarness({ database, leaseTtlMs: ttl });
  b = await sandboxHarness({ database, store: a.store, leaseTtlMs: ttl });
  await register(a, "http://node-a.test:3000");
  await register(b, "http://node-b.test:3000");
}, 300_000);

afterAll(async () => {
  if (!postgres) return;
  for (const registry of registries.values()) registry.abandon();
  await b?.[Symbol.asyncDispose]();
  await a?.[Symbol.asyncDispose]();
  await database?.close();
  await postgres.cleanup();
});

/** The nodes whose running sandbox container serves the session, in one listing of the engine. */
async function runningOn(session: string): Promise<string[]> {
  const containers = await a.docker.listContainers({ filters: { label: [`${LABEL_SESSION}=${session}`] } });
  return containers.filter((c) => c.Labels[LABEL_ROLE] === "sandbox").map((c) => c.Labels[LABEL_NODE] ?? "?");
}

async function expiresAt(session: string): Promise<number> {
  const [row] = await database.db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, session));
  return row?.expiresAt.getTime() ?? 0;
}

/** Destroys the session on whichever node holds it. */
async function destroyAnywhere(session: string): Promise<void> {
  await a.manager.destroy(session).catch(() => b.manager.destroy(session));
}

describe.skipIf(!postgres)("A session's sandbox on two nodes", () => {
  it("runs on the node holding its lease; another node is refused, naming it, until it hibernates", async () => {
    const session = a.session();
    await exec(a.manager, session, { command: "echo from-a > /workspace/note" });
    expect(await runningOn(session)).toEqual([a.node]);

    const refused = await b.manager.ensure(session).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: "SessionElsewhereError", node: a.node, address: "http://node-a.test:3000" });
    await expect(exec(b.manager, session, { command: "true" })).rejects.toThrow(`runs on node ${a.node}`);

    // A's heartbeats renew the lease past its first expiry, and B is still refused.
    const first = await expiresAt(session);
    await waitFor("A's heartbeat to renew the lease", async () => (await expiresAt(session)) > first + HEARTBEAT_MS);
    await waitFor("the lease's first expiry to pass", () => Date.now() > first + 500);
    await expect(b.manager.ensure(session)).rejects.toMatchObject({ node: a.node });
    expect(await runningOn(session)).toEqual([a.node]);

    // Hibernated on A, the session wakes on B from the snapshot in the shared store.
    await a.manager.hibernate(session);
    const woken = await exec(b.manager, session, { command: "cat /workspace/note" });
    expect(woken.stdout).toBe("from-a\n");
    expect(await runningOn(session)).toEqual([b.node]);
    await expect(a.manager.ensure(session)).rejects.toMatchObject({ name: "SessionElsewhereError", node: b.node });
    await destroyAnywhere(session);
  });

  it("moves to another node when its node stops renewing the lease, from the last snapshot", async () => {
    const session = a.session();
    await exec(a.manager, session, { command: "echo saved > /workspace/note" });
    await a.manager.hibernate(session);
    await exec(a.manager, session, { command: "echo unsaved > /workspace/note" });
    expect(await runningOn(session)).toEqual([a.node]);

    // A dies: its heartbeat stops without a word, its sandbox keeps running on the engine.
    registries.get(a.node)?.abandon();
    try {
      await expect(b.manager.ensure(session)).rejects.toMatchObject({ node: a.node });
      const deadline = await expiresAt(session);
      // B is refused until the lease lapses, then takes the session over.
      const taken = await eventually(
        "B to take the session over",
        () =>
          b.manager.ensure(session).then(
            (sandbox) => sandbox,
            (error: unknown) => {
              if ((error as Error).name !== "SessionElsewhereError") throw error;
              return undefined;
            },
          ),
        30_000,
      );
      expect(taken.sessionId).toBe(session);
      expect(Date.now()).toBeGreaterThanOrEqual(deadline);
      // What A wrote after its last snapshot is lost with it; the snapshot's files are there.
      expect((await exec(b.manager, session, { command: "cat /workspace/note" })).stdout).toBe("saved\n");
      // One engine: B removed A's container. A, asked again, stops trusting its lease and names B.
      expect(await runningOn(session)).toEqual([b.node]);
      await expect(a.manager.ensure(session)).rejects.toMatchObject({ node: b.node });
      expect(a.manager.peek(session)).toBeUndefined();
    } finally {
      await registries.get(a.node)?.start();
    }
    await destroyAnywhere(session);
  });

  it("never runs one session on both nodes, however often both start and hibernate it at once", async () => {
    const session = a.session();
    const violations: string[][] = [];
    let samples = 0;
    let done = false;
    const watching = (async () => {
      while (!done) {
        const nodes = await runningOn(session);
        samples += 1;
        if (new Set(nodes).size > 1 || nodes.length > 1) violations.push(nodes);
      }
    })();
    const counts = new Map<string, { started: number; refused: number }>();
    const deadline = Date.now() + 150_000;
    // Each node's two workers ask for the sandbox until that node has started it four times; one
    // of them hibernates it after each of its starts, so that it goes back and forth.
    const worker = async (h: SandboxHarness, hibernates: boolean): Promise<void> => {
      const count = counts.get(h.node) ?? { started: 0, refused: 0 };
      counts.set(h.node, count);
      while (count.started < 4) {
        if (Date.now() > deadline) throw new Error(`node ${h.node} started the session only ${count.started} times`);
        try {
          await h.manager.ensure(session);
          count.started += 1;
          if (hibernates) await h.manager.hibernate(session);
        } catch (error) {
          if ((error as Error).name !== "SessionElsewhereError") throw error;
          count.refused += 1;
          // Asked again shortly: the other node lets it go after its next start.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    try {
      await Promise.all([worker(a, true), worker(a, false), worker(b, true), worker(b, false)]);
    } finally {
      done = true;
      await watching;
    }
    expect(violations).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    // Both nodes ran it, and both were refused while the other held it.
    expect(counts.get(a.node)?.started).toBeGreaterThan(0);
    expect(counts.get(b.node)?.started).toBeGreaterThan(0);
    expect((counts.get(a.node)?.refused ?? 0) + (counts.get(b.node)?.refused ?? 0)).toBeGreaterThan(0);
    await destroyAnywhere(session);
  });
});
