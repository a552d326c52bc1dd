import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { run, type RunRequest } from "./runs";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const code = (language: RunRequest["language"], text: string) => run(h.manager, session, { language, source: { code: text } });

describe("A run that makes its own folders unremovable", () => {
  it("does not end the agent by making its display folder read-only", async () => {
    expect((await code("bash", "echo warm")).stdout).toBe("warm\n");
    const startsBefore = h.driver.started.length;
    const attack = await code("bash", 'touch "$SANDPIT_DISPLAY/x.txt"; chmod 500 "$SANDPIT_DISPLAY"; echo planted').then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error: String(error) }),
    );
    const after = await code("bash", "echo after");
    // The run answers, and the same sandbox (agent) serves the next run.
    expect(attack).toMatchObject({ ok: true });
    expect(after.stdout).toBe("after\n");
    expect(h.driver.started.length).toBe(startsBefore);
  }, 120_000);

  it("does not end the agent by making its inline code folder read-only", async () => {
    expect((await code("python", "print('warm')")).stdout).toBe("warm\n");
    const startsBefore = h.driver.started.length;
    const attack = await code(
      "python",
      "import os\nos.chmod(os.path.dirname(os.path.abspath(__file__)), 0o500)\nprint('planted')",
    ).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error: String(error) }),
    );
    const after = await code("bash", "echo after");
    expect(attack).toMatchObject({ ok: true });
    expect(after.stdout).toBe("after\n");
    expect(h.driver.started.length).toBe(startsBefore);
  }, 120_000);
});
