import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { sandboxes, setups } from "@/server/db/schema";
import { LABEL_NODE, LABEL_ROLE, LABEL_SESSION } from "@/server/sandbox/engine/driver";
import { exec } from "@/server/sandbox/shells";
import type { Services } from "@/server/services";
import { keyCaller, type Identity } from "@/server/sessions/caller";
import { requirePostgres } from "@/test/databases";
import { startS3, type S3Server } from "@/test/s3";
import { testServices } from "@/test/services";
import { eventually, waitFor } from "@/test/wait";

// Whole nodes (the services one Sandpit process runs) sharing one PostgreSQL, one S3-protocol object
// store and, here, one Docker engine; each has its own data folder, so its own node id and workspaces.
const postgres = requirePostgres();

type Node = Services & AsyncDisposable;

let s3: S3Server;
let env: Record<string, string>;
let owner: Identity;
const nodes: Node[] = [];
const killed = new Set<Node>();

/** A node as servicesReady starts one: registered with its heartbeat, snapshotting in the background. */
async function startNode(name: string, more: Record<string, string> = {}): Promise<Node> {
  const node = await testServices({ ...env, SANDPIT_NODE_ADDRESS: `http://${name}.test:3000`, ...more });
  nodes.push(node);
  await node.nodes.start();
  node.sandboxes.startSnapshots();
  return node;
}

/** The nodes still alive. */
const live = (): string[] => nodes.filter((node) => !killed.has(node)).map((node) => node.nodes.id);

/** The node dies at once (kill -9, machine lost): no heartbeat, no queue, no agent connections, no setup containers. */
async function kill(node: Node): Promise<void> {
  killed.add(node);
  node.nodes.abandon();
  node.setups.close();
  await node.sandboxes.close();
  const containers = await node.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_NODE}=${node.nodes.id}`, `${LABEL_ROLE}=setup`] },
  });
  for (const container of containers) await node.docker.getContainer(container.Id).remove({ force: true });
}

beforeAll(async () => {
  s3 = await startS3();
  const database = await postgres.env();
  env = {
    ...database,
    OBJECT_STORE_URL: `s3://sandpit/failover-${randomBytes(4).toString("hex")}?endpoint=${s3.endpoint}&region=us-east-1`,
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    SANDPIT_HEARTBEAT_INTERVAL: "1s",
    SANDPIT_SNAPSHOT_INTERVAL: "1s",
    SANDPIT_WARM_POOL: "0",
    // Setups here run shell commands only.
    SANDPIT_SETUP_NETWORK: "none",
  };
  const first = await startNode("first");
  owner = keyCaller((await first.apiKeys.create("failover", 10_000)).info.id);
}, 300_000);

afterAll(async () => {
  // The last started first: each deletes the sessions it holds, or that no live node holds.
  for (const node of nodes) node.nodes.abandon();
  for (const node of nodes.reverse()) await node[Symbol.asyncDispose]();
  await s3?.[Symbol.asyncDispose]();
  await postgres.cleanup();
});

async function sandboxRow(node: Node, session: string): Promise<typeof sandboxes.$inferSelect | undefined> {
  const [row] = await node.database.db.select().from(sandboxes).where(eq(sandboxes.sessionId, session));
  return row;
}

/** The text of one file in a snapshot in the object store, read by the test (the host reads no workspace). */
async function fileInSnapshot(node: Node, key: string, file: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "sandpit-snap-"));
  try {
    const archive = path.join(dir, "snapshot.tar.gz");
    const chunks: Buffer[] = [];
    for await (const chunk of await node.store.get(key)) chunks.push(chunk as Buffer);
    await writeFile(archive, Buffer.concat(chunks));
    return execFileSync("tar", ["-xzOf", archive, `./${file}`], { encoding: "utf8" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The session's first snapshot whose files were read after `written`, once it is recorded. */
function snapshotAfter(node: Node, session: string, written: Date): Promise<{ key: string; at: Date }> {
  return eventually(`a snapshot of ${session} after ${written.toISOString()}`, async () => {
    const row = await sandboxRow(node, session);
    return row?.snapshotKey && row.snapshotAt && row.snapshotAt >= written
      ? { key: row.snapshotKey, at: row.snapshotAt }
      : undefined;
  });
}

/** The nodes whose sandbox container serves the session, in one listing of the engine. */
async function runningOn(node: Node, session: string): Promise<string[]> {
  const containers = await node.docker.listContainers({ filters: { label: [`${LABEL_SESSION}=${session}`] } });
  return containers.filter((c) => c.Labels[LABEL_ROLE] === "sandbox").map((c) => c.Labels[LABEL_NODE] ?? "?");
}

/** The lease moves a node counted, from its /metrics text. */
async function leaseMoves(node: Node): Promise<{ lapsed: number; released: number }> {
  const { body } = await node.metrics.scrape();
  const sample = (reason: string): number =>
    Number(new RegExp(`^sandpit_lease_moves_total\\{reason="${reason}"\\} (\\d+)$`, "m").exec(body)?.[1] ?? NaN);
  return { lapsed: sample("lapsed"), released: sample("released") };
}

/** Takes the session over on `node` once the lease of the node holding it lapses. */
function takeOver(node: Node, session: string): Promise<unknown> {
  return eventually(
    `${node.nodes.id} to take ${session} over`,
    () =>
      node.sandboxes.ensure(session).then(
        (sandbox) => sandbox,
        (error: unknown) => {
          if ((error as Error).name !== "SessionElsewhereError") throw error;
          return undefined;
        },
      ),
    30_000,
  );
}

describe("Failover between nodes", () => {
  it("snapshots a session in use in the background while its sandbox keeps running, and only after use", async () => {
    const [a] = nodes as [Node];
    const { id } = await a.sessions.create(owner, { language: "bash" });
    await exec(a.sandboxes, id, { command: "echo one > note" });
    const container = a.sandboxes.peek(id)?.containerId;
    const first = await snapshotAfter(a, id, new Date());
    expect(await fileInSnapshot(a, first.key, "note")).toBe("one\n");
    expect((await a.sessions.get(owner, id)).sandbox).toEqual({ state: "running", snapshot_at: first.at.toISOString() });
    // Saved as it is: not due again until used again.
    await waitFor("the pass to finish", () => !a.sandboxes.dueForSnapshot().includes(id));

    await exec(a.sandboxes, id, { command: "echo two > note && mkdir -p src && echo 'print(1)' > src/main.py" });
    expect(a.sandboxes.dueForSnapshot()).toContain(id);
    const second = await snapshotAfter(a, id, new Date());
    expect(await fileInSnapshot(a, second.key, "note")).toBe("two\n");
    expect(await fileInSnapshot(a, second.key, "src/main.py")).toBe("print(1)\n");
    expect(second.at.getTime()).toBeGreaterThan(first.at.getTime());
    // The older object is gone once the newer is recorded; the sandbox ran on throughout.
    expect(await a.store.head(first.key)).toBeUndefined();
    expect(a.sandboxes.peek(id)?.containerId).toBe(container);
    expect(await runningOn(a, id)).toEqual([a.nodes.id]);
    expect((await sandboxRow(a, id))?.state).toBe("running");
    expect((await exec(a.sandboxes, id, { command: "cat note" })).stdout).toBe("two\n");
  });

  it("holds the session's lock only to look and to record: a run during a snapshot of a big workspace is not held up", async () => {
    // Background snapshots off: this node's snapshots are made here, one at a time.
    const quiet = await startNode("quiet", { SANDPIT_SNAPSHOT_INTERVAL: "0" });
    const { id } = await quiet.sessions.create(owner, { language: "bash" });
    await exec(quiet.sandboxes, id, { command: "head -c 24000000 /dev/urandom > big && echo small > note" });
    let snapshotted = false;
    const snapshot = quiet.sandboxes.snapshotRunning(id).finally(() => (snapshotted = true));
    await waitFor("the snapshot to begin", () => quiet.sandboxes.peek(id)?.busy === 1);
    expect((await exec(quiet.sandboxes, id, { command: "echo during" })).stdout).toBe("during\n");
    expect(snapshotted).toBe(false);
    const done = await snapshot;
    expect(done).toMatchObject({ sessionId: id, key: (await sandboxRow(quiet, id))?.snapshotKey });
    expect(done?.bytes).toBeGreaterThan(24_000_000);
    expect(done?.lockMs).toBeLessThan(done?.ms ?? 0);
    // Another replaces it: one object stays, the one the row names.
    const next = await quiet.sandboxes.snapshotRunning(id);
    expect((await quiet.store.list(`snapshots/${id}/`)).map((object) => object.key)).toEqual([next?.key]);
    expect(await fileInSnapshot(quiet, next?.key ?? "", "note")).toBe("small\n");
  });

  it("lets a hibernation that comes during a background snapshot win, leaving one snapshot", async () => {
    const quiet = nodes.find((node) => node.config.snapshotIntervalMs === 0) as Node;
    const { id } = await quiet.sessions.create(owner, { language: "bash" });
    await exec(quiet.sandboxes, id, { command: "head -c 16000000 /dev/urandom > big && echo last > note" });
    const background = quiet.sandboxes.snapshotRunning(id).catch((error: unknown) => error);
    await waitFor("the snapshot to begin", () => quiet.sandboxes.peek(id)?.busy === 1);
    await quiet.sandboxes.hibernate(id);
    // Cut short (its sandbox stopped) or refused at recording: either way not the session's snapshot.
    const outcome = await background;
    expect(outcome === undefined || outcome instanceof Error).toBe(true);
    const row = await sandboxRow(quiet, id);
    expect(row?.state).toBe("hibernated");
    expect((await quiet.store.list(`snapshots/${id}/`)).map((object) => object.key)).toEqual([row?.snapshotKey]);
    expect(await fileInSnapshot(quiet, row?.snapshotKey ?? "", "note")).toBe("last\n");
  });

  it("does not say a session came back from a snapshot when it hibernated on one node and woke on another", async () => {
    const [a] = nodes as [Node];
    const b = await startNode("clean");
    const { id } = await a.sessions.create(owner, { language: "bash" });
    await exec(a.sandboxes, id, { command: "echo kept > note" });
    await a.sandboxes.hibernate(id);
    const before = await leaseMoves(b);
    expect((await exec(b.sandboxes, id, { command: "cat note" })).stdout).toBe("kept\n");
    expect(await runningOn(b, id)).toEqual([b.nodes.id]);
    const view = await b.sessions.get(owner, id);
    expect(view.recovered).toBeNull();
    expect(view.sandbox.state).toBe("running");
    const after = await leaseMoves(b);
    expect(after).toEqual({ lapsed: before.lapsed, released: before.released + 1 });
  });

  it("wakes a lost node's session on another node from its latest background snapshot, and says so", async () => {
    // Its background snapshot is made here, so that the test knows which write it holds.
    const doomed = await startNode("doomed", { SANDPIT_SNAPSHOT_INTERVAL: "0" });
    const b = await startNode("survivor");
    const { id } = await doomed.sessions.create(owner, { language: "bash" });
    await exec(doomed.sandboxes, id, { command: "echo saved > note" });
    const saved = (await doomed.sandboxes.snapshotRunning(id))?.at as Date;
    expect(saved).toBeInstanceOf(Date);
    // Written after the last snapshot, then the node dies before its next one.
    await exec(doomed.sandboxes, id, { command: "echo unsaved > note" });
    await kill(doomed);
    const before = await leaseMoves(b);

    await expect(b.sandboxes.ensure(id)).rejects.toMatchObject({ name: "SessionElsewhereError", node: doomed.nodes.id });
    await takeOver(b, id);
    expect((await exec(b.sandboxes, id, { command: "cat note" })).stdout).toBe("saved\n");
    expect(await runningOn(b, id)).toEqual([b.nodes.id]);

    // Every transport shows the same view: REST and MCP call the service, the IDE calls tRPC.
    const view = await b.sessions.get(owner, id);
    const recovered = { at: view.recovered?.at, snapshot_at: saved.toISOString(), from_node: doomed.nodes.id };
    expect(view.recovered).toEqual(recovered);
    expect(new Date(view.recovered?.at ?? 0).getTime()).toBeGreaterThan(saved.getTime());
    const trpc = createCaller(createContextInner(b, owner));
    expect((await trpc.sessions.get({ id })).recovered).toEqual(recovered);
    expect(await leaseMoves(b)).toEqual({ lapsed: before.lapsed + 1, released: before.released });

    // Its next snapshots are B's, from what B runs now.
    await exec(b.sandboxes, id, { command: "echo on-b > note" });
    await waitFor("B's background snapshot", async () => {
      const row = await sandboxRow(b, id);
      return Boolean(
        row?.snapshotKey &&
        row.snapshotAt &&
        row.snapshotAt > saved &&
        (await fileInSnapshot(b, row.snapshotKey, "note")) === "on-b\n",
      );
    });
  });

  it("finishes on another node, once, the setups a lost node was running or had queued", async () => {
    const doomed = await startNode("setups");
    const commands = (tag: string): string[] => ["sleep 4", `echo built-${tag} > built.txt`];
    // Two run at once on a node (SANDPIT_SETUP_CONCURRENCY): the third waits in its queue.
    const created = await Promise.all(
      ["x", "y", "z"].map((tag) => doomed.sessions.create(owner, { language: "bash", setup: { commands: commands(tag) } })),
    );
    const ids = created.map((session) => session.id);
    const db = doomed.database.db;
    await waitFor("two setups to run on the node", async () => {
      const rows = await db.select().from(setups).where(inArray(setups.sessionId, ids));
      return rows.filter((row) => row.status === "running").length === 2;
    });
    // Their containers up: the node dies with them (else this process, which lives on, would start them after).
    await waitFor("the node's two setup containers", async () => {
      const filters = { label: [`${LABEL_NODE}=${doomed.nodes.id}`, `${LABEL_ROLE}=setup`] };
      return (await doomed.docker.listContainers({ filters })).length === 2;
    });
    await kill(doomed);
    // The live nodes (two more here) race to take them over with their heartbeats.
    const b = await startNode("taker-b");
    await startNode("taker-c");

    const done = await eventually(
      "the setups to complete on the live nodes",
      async () => {
        const rows = await db.select().from(setups).where(inArray(setups.sessionId, ids));
        return rows.length === 3 && rows.every((row) => row.status === "completed" || row.status === "failed") ? rows : undefined;
      },
      120_000,
    );
    for (const row of done) {
      expect(row, row.stderr ?? "").toMatchObject({ status: "completed", success: true });
      expect(live()).toContain(row.node);
      expect(row.note).toMatch(
        new RegExp(
          `^queued again on another node: node ${doomed.nodes.id} stopped answering while this setup was (running|pending)$`,
        ),
      );
      // Exactly one attempt after the takeover: the lost node's, if it had started one, and one more.
      expect(row.attempts).toBe(row.note?.endsWith("running") ? 2 : 1);
    }
    expect(done.filter((row) => row.note?.endsWith("running"))).toHaveLength(2);
    // The layers are the sessions' now, on any node.
    for (const [i, tag] of ["x", "y", "z"].entries()) {
      const id = ids[i] as string;
      expect((await exec(b.sandboxes, id, { command: "cat built.txt" })).stdout).toBe(`built-${tag}\n`);
      expect((await b.sessions.get(owner, id)).setup_status).toBe("completed");
    }
  });
});
