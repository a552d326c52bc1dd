import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { openRun } from "./runs";
import { exec } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const output = (interactive: ReturnType<typeof openRun>): Promise<string> =>
  new Promise((resolve) => {
    let seen = "";
    interactive.stream.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    interactive.stream.on("end", () => resolve(seen));
  });

describe("Runs against what the workspace holds", () => {
  it("start on a PTY even when the workspace has a file named like a module the PTY helper imports", async () => {
    await exec(h.manager, session, { command: "printf 'raise SystemExit(\"shadowed\")\\n' > /workspace/signal.py", shell: "s" });
    const interactive = openRun(h.manager, session, {
      language: "python",
      source: { code: "print('hello-from-pty')" },
      timeoutMs: 30_000,
    });
    const seen = output(interactive);
    const result = await interactive.result;
    const text = await seen;
    await exec(h.manager, session, { command: "rm -f /workspace/signal.py", shell: "s" });
    expect(text).toContain("hello-from-pty");
    expect(result.exitCode).toBe(0);
  }, 90_000);
});
