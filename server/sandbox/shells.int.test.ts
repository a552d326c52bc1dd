import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { runTimeline } from "@/test/timeline";
import { createShell, deleteShell, exec, listShells, shellAlive } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const sh = (command: string, options: Parameters<typeof exec>[2] extends infer R ? Omit<R & object, "command"> : never = {}) =>
  exec(h.manager, session, { command, ...options });

describe("Shell", () => {
  it("keeps the cwd after cd", async () => {
    await sh("cd /tmp", { shell: "a" });
    expect((await sh("pwd", { shell: "a" })).stdout).toBe("/tmp\n");
  });

  it("keeps exported variables, functions and aliases between commands", async () => {
    await sh("export A=1", { shell: "a" });
    expect((await sh("echo $A", { shell: "a" })).stdout).toBe("1\n");
    await sh("greet() { echo \"hi $1\"; }; alias say='echo said'", { shell: "a" });
    expect((await sh("greet you; say it", { shell: "a" })).stdout).toBe("hi you\nsaid it\n");
  });

  it("keeps shells apart but lets them share /workspace", async () => {
    await sh("export SECRET_A=only-a; echo from-a > /workspace/shared.txt", { shell: "a" });
    const b = await sh('echo "A=${SECRET_A:-unset}"; cat /workspace/shared.txt; pwd', { shell: "b" });
    expect(b.stdout).toBe("A=unset\nfrom-a\n/workspace\n");
  });

  it("runs different shells in parallel and one shell's commands in order", async () => {
    const timeline = await runTimeline(async (mark) => {
      await Promise.all(
        ["p1", "p2"].map(async (shell) => {
          mark(`${shell}-start`);
          const result = await sh("sleep 2; echo done", { shell });
          mark(`${shell}-end`);
          expect(result.stdout).toBe("done\n");
        }),
      );
    });
    // Both started before either finished: they overlapped instead of queueing behind each other.
    expect(timeline.before("p1-start", "p2-end") && timeline.before("p2-start", "p1-end")).toBe(true);

    const order = await Promise.all(
      [1, 2, 3, 4].map((n) => sh(`echo ${n} >> order.txt; sleep 0.0${5 - n}`, { shell: "ordered" })),
    );
    expect(order.every((r) => r.exitCode === 0)).toBe(true);
    expect((await sh("cat order.txt", { shell: "ordered" })).stdout).toBe("1\n2\n3\n4\n");
  });

  it("applies a per-call cwd and env to that call only", async () => {
    await sh("cd /workspace", { shell: "c" });
    const once = await sh('pwd; echo "$ONCE"', { shell: "c", cwd: "/tmp", env: { ONCE: "yes" } });
    expect(once.stdout).toBe("/tmp\nyes\n");
    expect((await sh('pwd; echo "${ONCE:-gone}"', { shell: "c" })).stdout).toBe("/workspace\ngone\n");
  });

  it("kills a timed-out command's process tree, returns 124 and stays usable with its state", async () => {
    await sh("cd /tmp && export KEEP=kept", { shell: "t" });
    const result = await sh("sleep 30 & sleep 30", { shell: "t", timeoutMs: 1000 });
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    const check = await sh("ps -eo comm | grep -c '^sleep$' || true", { shell: "other" });
    expect(check.stdout).toBe("0\n");
    expect((await sh("echo ok; pwd; echo $KEEP", { shell: "t" })).stdout).toBe("ok\n/tmp\nkept\n");
  });

  it("stops a busy builtin loop by restarting the shell with its saved state", async () => {
    await sh("cd /tmp && export LOOP=state", { shell: "loop" });
    const result = await sh("while :; do :; done", { shell: "loop", timeoutMs: 500 });
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    expect((await sh("pwd; echo $LOOP", { shell: "loop" })).stdout).toBe("/tmp\nstate\n");
  });

  it("returns output byte-exact, keeps stdout and stderr apart, and reports exit codes", async () => {
    expect((await sh("printf 'a\\n\\n'")).stdout).toBe("a\n\n");
    expect(await sh("false")).toMatchObject({ exitCode: 1, stdout: "", stderr: "" });
    const missing = await sh("no-such-command-here");
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("command not found");
    const both = await sh("echo out; echo err >&2");
    expect([both.stdout, both.stderr]).toEqual(["out\n", "err\n"]);
    const nul = await sh("printf 'x\\0y'");
    expect(nul).toMatchObject({ stdout: "x\u0000y", stdoutEncoding: "utf8" });
    const binary = await sh("printf '\\377\\376'");
    expect(binary).toMatchObject({ stdoutEncoding: "base64", stdout: Buffer.from([0xff, 0xfe]).toString("base64") });
  });

  it("runs heredocs and multi-line scripts, and gives stdin readers EOF", async () => {
    const heredoc = await sh("cat <<'EOF'\nline one\n$HOME stays literal\nEOF");
    expect(heredoc.stdout).toBe("line one\n$HOME stays literal\n");
    const script = await sh('for i in 1 2 3; do\n  echo "n=$i"\ndone\nif true; then echo yes; fi');
    expect(script.stdout).toBe("n=1\nn=2\nn=3\nyes\n");
    const reader = await sh('cat; read line; echo "read=$? line=[$line]"', { timeoutMs: 5000 });
    expect(reader).toMatchObject({ exitCode: 0, timedOut: false, stdout: "read=1 line=[]\n" });
  });

  it("ends the shell on exit and starts a fresh one on the next exec", async () => {
    await sh("export GONE=1", { shell: "e" });
    const ended = await sh("exit 3", { shell: "e" });
    expect(ended).toMatchObject({ exitCode: 3, shellEnded: true, message: "shell ended (exit 3)" });
    expect(await shellAlive(h.manager, session, "e")).toBe(false);
    const fresh = await sh('echo hi; echo "${GONE:-fresh}"', { shell: "e" });
    expect(fresh).toMatchObject({ stdout: "hi\nfresh\n", restarted: true });
    expect(fresh.message).toContain("exit 3");
    expect(await shellAlive(h.manager, session, "e")).toBe(true);
  });

  it("creates, lists and deletes shells", async () => {
    const created = await createShell(h.manager, session, "listed");
    expect(created).toMatchObject({ shell: "listed", alive: true });
    expect((await listShells(h.manager, session)).map((s) => s.shell)).toContain("listed");
    await deleteShell(h.manager, session, "listed");
    expect((await listShells(h.manager, session)).map((s) => s.shell)).not.toContain("listed");
    await expect(deleteShell(h.manager, session, "listed")).rejects.toThrow("shell listed does not exist");
    await expect(createShell(h.manager, session, "bad id!")).rejects.toThrow("shell id");
  });

  it("caps output per stream, flags it, and does not hang on a flood", async () => {
    const flood = await sh("head -c 5000000 /dev/zero | tr '\\0' 'x'; echo tail >&2");
    expect(flood.truncated).toBe(true);
    expect(flood.stdout.length).toBe(h.manager.limits.outputBytes);
    expect(flood.stderr).toBe("tail\n");
  });
});
