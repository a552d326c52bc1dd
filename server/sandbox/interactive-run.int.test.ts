import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { openRun, run } from "./runs";

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

  it("end when the program ends, and take what it left in the background with them", async () => {
    const code = [
      "import subprocess",
      "subprocess.run(['bash', '-c', '(env -i /bin/sleep 321 &)'])",
      "print('left a sleeper', flush=True)",
    ].join("\n");
    const started = Date.now();
    const interactive = openRun(h.manager, session, { language: "python", source: { code }, timeoutMs: 60_000 });
    interactive.stream.on("data", () => undefined);
    const result = await interactive.result;
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(Date.now() - started).toBeLessThan(20_000);
    const ps = await run(h.manager, session, {
      language: "bash",
      source: { code: "ps -eo args | grep -c '^/bin/sleep 321' || true" },
    });
    expect(ps.stdout.trim()).toBe("0");
  }, 90_000);
});
