import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { loadConfig } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { nodes, sessionLeases } from "@/server/db/schema";
import { removeDataDir, tempDataDir } from "@/test/cleanup";
import { testDatabases } from "@/test/databases";
import { waitFor } from "@/test/wait";
import { LeaseService, SessionElsewhereError } from "./leases";

const log = pino({ level: "silent" });

describe.each(testDatabases())("Session leases on $name", (database) => {
  let handle: DatabaseHandle;
  let dataDir: string | undefined;

  afterAll(async () => {
    await handle?.close();
    if (dataDir) await removeDataDir(dataDir);
    await database.cleanup();
  });

  const open = async (): Promise<DatabaseHandle> => {
    const env = await database.env();
    dataDir = tempDataDir("sandpit-leases-");
    handle = openDatabase(loadConfig({ ...env, SANDPIT_DATA_DIR: dataDir }).database);
    await handle.migrate();
    await handle.db.insert(nodes).values([
      { id: "node-a", address: "http://10.0.0.1:3000", capacity: 4, heartbeatMs: 1000 },
      { id: "node-b", address: "http://10.0.0.2:3000", capacity: 4, heartbeatMs: 1000 },
    ]);
    return handle;
  };

  it("gives a session to one node at a time, renews it, and lets another take it once released or lapsed", async () => {
    const { db } = await open();
    // A's leases last 1.5 s unrenewed; B's a minute.
    const moves: string[] = [];
    const a = new LeaseService({
      db,
      node: "node-a",
      ttlMs: 1500,
      alone: false,
      log,
      onMoved: (move) => moves.push(`a:${move}`),
    });
    const b = new LeaseService({
      db,
      node: "node-b",
      ttlMs: 60_000,
      alone: false,
      log,
      onMoved: (move) => moves.push(`b:${move}`),
    });

    expect(await a.take("s1")).toEqual({ previous: null, moved: null });
    expect(a.fresh("s1")).toBe(true);
    const refused = await b.take("s1").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SessionElsewhereError);
    expect(refused).toMatchObject({ node: "node-a", address: "http://10.0.0.1:3000", sessionId: "s1" });
    expect(b.fresh("s1")).toBe(false);
    // Taking it again is renewing it: still A's, taken when it first was.
    const [first] = await db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, "s1"));
    expect(await a.take("s1")).toEqual({ previous: null, moved: null });
    const [again] = await db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, "s1"));
    expect(again?.takenAt).toEqual(first?.takenAt);
    expect(again?.expiresAt.getTime()).toBeGreaterThanOrEqual(first?.expiresAt.getTime() ?? Infinity);

    // Released, B takes it, and learns A ran it last.
    await a.release("s1");
    expect(a.sessions).toEqual([]);
    expect(await b.take("s1")).toEqual({ previous: "node-a", moved: "released" });
    await expect(a.take("s1")).rejects.toThrow("session s1 runs on node node-b (http://10.0.0.2:3000)");

    // A lease A stops renewing lapses; B takes it over, and A's next renewal reports it lost.
    await a.take("s2");
    await a.take("s3");
    expect((await a.renew()).sort()).toEqual([]);
    await waitFor("A's lease of s2 to lapse", async () => {
      const [row] = await db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, "s2"));
      return Boolean(row && row.expiresAt.getTime() < Date.now());
    });
    expect(await b.take("s2")).toEqual({ previous: "node-a", moved: "lapsed" });
    expect(await a.renew()).toEqual(["s2"]);
    expect(a.sessions).toEqual(["s3"]);
    expect(a.fresh("s2")).toBe(false);
    // s3 lapsed too, but no one took it: A's renewal keeps it.
    expect(a.fresh("s3")).toBe(true);
    // Each move is told once by the node that took the lease; A taking its own again is no move.
    expect(moves).toEqual(["b:released", "b:lapsed"]);

    // A destroyed session's lease goes; only its holder removes it.
    await a.forget("s1");
    expect(await db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, "s1"))).toHaveLength(1);
    await b.forget("s1");
    expect(await db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, "s1"))).toHaveLength(0);
  });

  it("hands one session to exactly one of many nodes taking it at once", async () => {
    const { db } = handle ?? (await open());
    const takers = Array.from(
      { length: 6 },
      (_, i) => new LeaseService({ db, node: i % 2 ? "node-a" : "node-b", ttlMs: 60_000, alone: false, log }),
    );
    for (let round = 0; round < 10; round++) {
      const session = `race-${round}`;
      const outcomes = await Promise.allSettled(takers.map((taker) => taker.take(session)));
      const winners = new Set(takers.filter((_, i) => outcomes[i]?.status === "fulfilled").map((taker) => taker.node));
      expect(winners.size).toBe(1);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ node: [...winners][0] });
      }
    }
  });
});
