import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { exec } from "../shells";

let a: SandboxHarness;
let b: SandboxHarness;

beforeAll(async () => {
  [a, b] = await Promise.all([sandboxHarness(), sandboxHarness()]);
});
afterAll(async () => {
  await Promise.all([a[Symbol.asyncDispose](), b[Symbol.asyncDispose]()]);
});

describe("Two Sandpit processes on one Docker engine", () => {
  it("reconcile only their own containers and leave each other's sandboxes running", async () => {
    const session = a.session();
    expect((await exec(a.manager, session, { command: "echo $$ > /tmp/pid; echo up" })).stdout).toBe("up\n");
    const [container] = (await a.driver.list()).filter((c) => c.sessionId === session);
    expect(container).toBeDefined();
    // The other process does not see the container, and its start-up reconcile removes nothing of a's.
    expect((await b.driver.list()).some((c) => c.sessionId === session)).toBe(false);
    const { removed } = await b.manager.reconcile();
    expect(removed).not.toContain(session);
    expect(await a.driver.isRunning(container?.id ?? "")).toBe(true);
    // Same sandbox, same process state: it was never restarted.
    expect((await exec(a.manager, session, { command: "[ -f /tmp/pid ] && echo same" })).stdout).toBe("same\n");
  });
});
