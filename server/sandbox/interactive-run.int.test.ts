import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { openRun } from "./runs";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

describe("Interactive runs", () => {
  it("stop when their terminal is let go (closed, swept as idle, or over the session's limit)", async () => {
    const run = openRun(h.manager, session, {
      language: "python",
      source: { code: "import time\nprint('ready', flush=True)\ntime.sleep(600)\n" },
      timeoutMs: 300_000,
    });
    await new Promise<void>((resolve) => {
      let seen = "";
      run.stream.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("ready")) resolve();
      });
    });
    const started = Date.now();
    run.stream.end();
    run.stream.destroy();
    const result = await run.result;
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
