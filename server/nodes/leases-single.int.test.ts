import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionLeases } from "@/server/db/schema";
import { exec } from "@/server/sandbox/shells";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";

// The embedded default: PGlite, which no other process can open, so one node only.
let h: SandboxHarness;

beforeAll(async () => {
  // Leases that would lapse almost at once if anything waited for their renewal (nothing renews them here).
  h = await sandboxHarness({ leaseTtlMs: 200 });
});
afterAll(async () => h[Symbol.asyncDispose]());

const leaseOf = async (session: string) =>
  (await h.database.db.select().from(sessionLeases).where(eq(sessionLeases.sessionId, session)))[0];

describe("Session leases on one node (PGlite)", () => {
  it("change nothing a single node does: its sandboxes run, hibernate, wake and survive a restart", async () => {
    const session = h.session();
    await exec(h.manager, session, { command: "echo kept > /workspace/note" });
    const container = h.manager.peek(session)?.containerId;
    expect((await leaseOf(session))?.nodeId).toBe(h.node);

    // Lapsed without a heartbeat, the lease is still this node's: the same sandbox goes on serving.
    await waitFor("the lease to lapse", async () => ((await leaseOf(session))?.expiresAt.getTime() ?? Infinity) < Date.now());
    const starts = h.driver.started.length;
    expect((await exec(h.manager, session, { command: "cat /workspace/note" })).stdout).toBe("kept\n");
    expect(h.manager.peek(session)?.containerId).toBe(container);
    expect(h.driver.started.length).toBe(starts);

    // Hibernated, the lease is let go; woken, taken again.
    await h.manager.hibernate(session);
    const released = await leaseOf(session);
    expect(released?.nodeId).toBe(h.node);
    expect(released?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await exec(h.manager, session, { command: "cat /workspace/note" })).stdout).toBe("kept\n");
    expect((await leaseOf(session))?.expiresAt.getTime()).toBeGreaterThan(released?.expiresAt.getTime() ?? Infinity);

    // A restart (same data folder, same node) adopts the running sandbox.
    const restarted = h.restart();
    const { adopted } = await restarted.reconcile();
    expect(adopted).toContain(session);
    expect((await exec(restarted, session, { command: "cat /workspace/note" })).stdout).toBe("kept\n");

    await restarted.destroy(session);
    expect(await leaseOf(session)).toBeUndefined();
  });
});
