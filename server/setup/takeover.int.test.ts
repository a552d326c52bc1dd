import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { nodes, setups } from "@/server/db/schema";
import { removeDataDir, tempDataDir } from "@/test/cleanup";
import { testDatabases } from "@/test/databases";
import { SetupService } from "./service";

const log = pino({ level: "silent" });

describe.each(testDatabases())("Setups of gone nodes on $name", (database) => {
  let handle: DatabaseHandle | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await handle?.close();
    if (dataDir) await removeDataDir(dataDir);
    await database.cleanup();
  });

  /**
   * A node's setup service as far as taking over goes: it queues what it takes, and runs none of
   * it (no place in its queue), so the rows show who took what. Its engines are never reached.
   */
  const service = (db: DatabaseHandle["db"], node: string): SetupService =>
    new SetupService({
      db,
      node,
      concurrency: 0,
      log,
      store: undefined as never,
      sandboxes: undefined as never,
      environment: undefined as never,
      imageId: () => Promise.resolve("unused"),
    });

  it("become the setups of exactly one live node each, however many take over at once", async () => {
    dataDir = tempDataDir("sandpit-takeover-");
    handle = openDatabase(loadConfig({ ...(await database.env()), SANDPIT_DATA_DIR: dataDir }).database);
    await handle.migrate();
    const { db } = handle;
    const minuteAgo = new Date(Date.now() - 60_000);
    const node = (id: string, extra: Partial<typeof nodes.$inferInsert> = {}): typeof nodes.$inferInsert => ({
      id,
      address: `http://${id}.test:3000`,
      capacity: 4,
      heartbeatMs: 1000,
      ...extra,
    });
    await db
      .insert(nodes)
      .values([
        node("lost", { heartbeatAt: minuteAgo }),
        node("stopped", { heartbeatAt: minuteAgo, stoppedAt: minuteAgo }),
        node("alive"),
        node("taker-b"),
        node("taker-c"),
      ]);
    const setup = (sessionId: string, on: string, status: "pending" | "running" | "completed"): typeof setups.$inferInsert => ({
      sessionId,
      node: on,
      status,
      spec: { commands: ["true"] },
      specHash: "h",
      layerKey: `layers/${randomBytes(4).toString("hex")}.tar.gz`,
      attempts: status === "pending" ? 0 : 1,
    });
    const orphans = [
      ...Array.from({ length: 12 }, (_, i) => setup(`lost-${i}`, "lost", i % 3 === 0 ? "pending" : "running")),
      setup("stopped-0", "stopped", "running"),
      setup("stopped-1", "stopped", "pending"),
    ];
    await db.insert(setups).values([...orphans, setup("alive-0", "alive", "running"), setup("lost-done", "lost", "completed")]);

    const takers = ["taker-b", "taker-c", "taker-b", "taker-c"].map((id) => service(db, id));
    const counts = await Promise.all(takers.map((taker) => taker.takeOverLost()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(orphans.length);
    // Each took what it queued, and nothing twice.
    expect(takers.map((taker) => taker.queue.waiting)).toEqual(counts);

    const rows = new Map((await db.select().from(setups)).map((row) => [row.sessionId, row]));
    for (const orphan of orphans) {
      const row = rows.get(orphan.sessionId);
      expect(["taker-b", "taker-c"]).toContain(row?.node);
      expect(row).toMatchObject({
        status: "pending",
        startedAt: null,
        steps: [],
        note: `queued again on another node: node ${orphan.node} stopped answering while this setup was ${orphan.status}`,
      });
    }
    // A live node's setups, and settled ones, stay as they were.
    expect(rows.get("alive-0")).toMatchObject({ node: "alive", status: "running" });
    expect(rows.get("lost-done")).toMatchObject({ node: "lost", status: "completed" });
    // Taken once: nothing is left to take.
    expect(await Promise.all(takers.map((taker) => taker.takeOverLost()))).toEqual([0, 0, 0, 0]);
    for (const taker of takers) taker.close();
  });
});
