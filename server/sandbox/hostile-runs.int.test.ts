import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { openRun, run } from "./runs";
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

  it("leave nothing behind that started a session of its own and dropped the run's marker", async () => {
    const interactive = openRun(h.manager, session, {
      language: "bash",
      source: { code: "setsid -f env -i /bin/sleep 322; echo left" },
      timeoutMs: 30_000,
    });
    const seen = output(interactive);
    await interactive.result;
    expect(await seen).toContain("left");
    const ps = await run(h.manager, session, {
      language: "bash",
      source: { code: "ps -eo args | grep -c '^/bin/sleep 322' || true" },
    });
    expect(ps.stdout.trim()).toBe("0");
  }, 90_000);

  it("leave nothing behind of a chain that keeps forking, leaving its session and exiting, without the run's marker", async () => {
    // Each link forks the next, which starts a session of its own, and exits at once: a single look
    // at the processes always finds the link before the newest. The chain ends by itself in 20 s.
    const chain = [
      "import os, sys, time",
      "end = float(sys.argv[1])",
      "while time.time() < end:",
      "    if os.fork() == 0:",
      "        os.setsid()",
      "        continue",
      "    os._exit(0)",
    ].join("\n");
    const done = await run(h.manager, session, {
      language: "bash",
      source: {
        code: `cat > /tmp/chain.py <<'PY'\n${chain}\nPY\nsetsid -f env -i /usr/bin/python3 /tmp/chain.py $(( $(date +%s) + 20 )) sandpit-chain\necho started`,
      },
    });
    expect(done.stdout).toContain("started");
    // Looked at from a shell, which the run's clean-up leaves alone (a run would clean up again).
    const left = await exec(h.manager, session, { command: "ps -eo args | grep -c '^/usr/bin/python3 /tmp/chain.py' || true" });
    expect(left.stdout.trim()).toBe("0");
  }, 90_000);

  it("leave alone what a shell started on its own before the run, and the shell itself", async () => {
    await exec(h.manager, session, { command: "setsid -f /bin/sleep 323", shell: "keeper" });
    const done = await run(h.manager, session, { language: "bash", source: { code: "setsid -f /bin/sleep 324; echo ran" } });
    expect(done.stdout).toContain("ran");
    const ps = await run(h.manager, session, {
      language: "bash",
      source: { code: "echo $(ps -eo args | grep -c '^/bin/sleep 323') $(ps -eo args | grep -c '^/bin/sleep 324')" },
    });
    expect(ps.stdout.trim()).toBe("1 0");
    expect((await exec(h.manager, session, { command: "echo still here", shell: "keeper" })).stdout).toBe("still here\n");
  }, 90_000);
});
