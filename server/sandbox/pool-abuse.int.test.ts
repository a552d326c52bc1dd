import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxes } from "@/server/db/schema";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { exec } from "./shells";

/** Warm sandboxes asked for by one session's owner never cost the rest of the node theirs. */
describe("Warm pool under a hostile owner", () => {
  let h: SandboxHarness;

  beforeAll(async () => {
    h = await sandboxHarness({ runtime: "runc", pool: { size: 1, max: 4 } });
    h.manager.startPool();
    await h.manager.pool?.settled();
  });
  afterAll(async () => h[Symbol.asyncDispose]());

  it("keeps refilling sandboxes for new sessions while a class's sandboxes cannot be filled", async () => {
    // Too big to fill warm sandboxes with (more than 32 MiB compressed): every prefill fails.
    const template = h.session();
    const big = await exec(h.manager, template, { command: "head -c 40000000 /dev/urandom > big.bin && stat -c %s big.bin" });
    expect(big.stdout).toBe("40000000\n");
    await h.manager.prepareForks(template, 4, 5);
    await waitFor("a class's sandbox failing to fill", () => (h.manager.pool?.snapshot().failed ?? 0) >= 1, 30_000);
    // A new session takes the one ready sandbox; the pool is to start its replacement.
    const session = h.session();
    await exec(h.manager, session, { command: "true" });
    // Whatever the class's sandboxes do, the one for new sessions is back in a start's time.
    await waitFor(
      "a warm sandbox for the next new session",
      async () => (h.manager.pool?.snapshot().ready ?? 0) - (await h.manager.readyForks(template)) >= 1,
      30_000,
    );
    expect(await h.manager.readyForks(template)).toBe(0);
    await h.manager.destroy(template);
  }, 120_000);

  it("refills the sandbox for new sessions first, however many classes ask for more than the pool holds", async () => {
    const templates = [h.session(), h.session()];
    for (const template of templates) {
      await exec(h.manager, template, { command: "echo class > a.txt" });
      await h.manager.prepareForks(template, 4, 5);
    }
    await h.manager.pool?.settled();
    const forClasses = async (): Promise<number> =>
      (await h.manager.readyForks(templates[0] as string)) + (await h.manager.readyForks(templates[1] as string));
    expect(h.manager.pool?.snapshot().ready).toBe(4);
    // New sessions take the sandbox kept for them, one after the other.
    for (let i = 0; i < 2; i += 1) {
      await exec(h.manager, h.session(), { command: "true" });
      await h.manager.pool?.settled();
      expect((h.manager.pool?.snapshot().ready ?? 0) - (await forClasses())).toBe(1);
    }
    for (const template of templates) await h.manager.destroy(template);
  }, 180_000);

  it("stops filling sandboxes for a class whose template was deleted, and never starts the template again", async () => {
    const template = h.session();
    await exec(h.manager, template, { command: "echo teacher > notes.txt" });
    await h.manager.prepareForks(template, 2, 5);
    await h.manager.destroy(template);
    await h.manager.pool?.settled();
    expect(h.manager.wantedForks(template)).toBe(0);
    expect(await h.manager.readyForks(template)).toBe(0);
    expect(h.manager.peek(template)).toBeUndefined();
    expect(h.manager.workspaces.exists(template)).toBe(false);
    const rows = await h.database.db.select().from(sandboxes).where(eq(sandboxes.sessionId, template));
    expect(rows).toEqual([]);
  }, 120_000);
});
