import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setups } from "@/server/db/schema";
import { run } from "@/server/sandbox/runs";
import { setupHarness, type SetupHarness } from "@/test/setup";
import { waitFor } from "@/test/wait";
import { SetupService } from "./service";

let h: SetupHarness;

beforeAll(async () => {
  h = await setupHarness({ timeoutMs: 60_000 });
});
afterAll(async () => h[Symbol.asyncDispose]());

async function statusOf(session: string): Promise<string | undefined> {
  const [row] = await h.database.db.select({ status: setups.status }).from(setups).where(eq(setups.sessionId, session));
  return row?.status;
}

describe("Setup recovery and limits", () => {
  it("queues again a setup that was running when the server went away, and finishes it", async () => {
    const session = h.session();
    await h.setups.submit(session, { commands: ["sleep 3", "echo finished > done.txt"] });
    await waitFor("the setup to start", async () => (await statusOf(session)) === "running");
    await waitFor("the setup container", async () =>
      (await h.driver.list()).some((c) => c.role === "setup" && c.sessionId === session),
    );
    // The process dies: its queue is gone; the setup container is orphaned.
    h.setups.close();
    const next = new SetupService({ ...h.setupOptions, log: h.log });
    const requeued = await next.recover();
    expect(requeued).toBeGreaterThanOrEqual(1);
    expect(await statusOf(session)).toBe("pending");
    expect((await h.driver.list()).filter((c) => c.role === "setup" && c.sessionId === session)).toEqual([]);
    const done = await next.waitFor(session, 60_000);
    expect(done).toMatchObject({ status: "completed", note: "queued again: the server restarted while this setup was running" });
    expect((await run(h.manager, session, { language: "bash", source: { code: "cat done.txt" } })).stdout).toBe("finished\n");
    next.close();
  });

  it("fails cleanly when the setup runs past its time limit", async () => {
    const slow = await setupHarness({ timeoutMs: 2_000 });
    try {
      const session = slow.session();
      await slow.setups.submit(session, { commands: ["echo start", "sleep 30"] });
      const done = await slow.setups.waitFor(session, 30_000);
      expect(done).toMatchObject({ status: "failed", error: "setup timed out after 2 s during the commands step" });
      expect((await slow.driver.list()).filter((c) => c.sessionId === session)).toEqual([]);
    } finally {
      await slow[Symbol.asyncDispose]();
    }
  });

  it("runs at most `concurrency` setups at once; the others wait their turn", async () => {
    const single = new SetupService({ ...h.setupOptions, concurrency: 1, log: h.log });
    const [a, b] = [h.session(), h.session()];
    await single.submit(a, { commands: ["sleep 1.5 && echo a"] });
    await single.submit(b, { commands: ["echo b"] });
    await waitFor("the first setup to start", async () => (await statusOf(a)) === "running");
    expect(await statusOf(b)).toBe("pending");
    expect((await single.waitFor(b, 60_000)).status).toBe("completed");
    expect((await single.get(a))?.status).toBe("completed");
    single.close();
  });
});

describe("Layer pruning", () => {
  it("deletes layers no session has used for N days, and keeps the ones still referenced", async () => {
    const { layers: layersTable } = await import("@/server/db/schema");
    const service = new SetupService(h.setupOptions); // the first test stopped h.setups, as a crash would
    const [kept, dropped] = [h.session(), h.session()];
    await service.submit(kept, { commands: ["echo kept"] });
    await service.submit(dropped, { commands: ["echo dropped"] });
    const keptLayer = (await service.waitFor(kept)).layer?.key ?? "";
    const droppedLayer = (await service.waitFor(dropped)).layer?.key ?? "";
    // Its session is gone, as deleting a session does it: its sandbox (which mounted the layer), then its setup.
    await h.manager.destroy(dropped);
    await service.delete(dropped);
    const old = new Date(Date.now() - 40 * 86_400_000);
    await h.database.db.update(layersTable).set({ lastUsedAt: old });

    expect(await service.prune(30)).toEqual([droppedLayer]);
    expect(await h.store.head(droppedLayer)).toBeUndefined();
    expect(await h.store.head(keptLayer)).toBeGreaterThan(0);
    expect(await service.prune(30)).toEqual([]);
    service.close();
  });
});
