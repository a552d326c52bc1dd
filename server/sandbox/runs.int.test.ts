import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { writeFile } from "./files";
import { run, runStream, type RunEvent, type RunRequest } from "./runs";
import { exec } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const code = (language: RunRequest["language"], text: string, extra: Partial<RunRequest> = {}) =>
  run(h.manager, session, { language, source: { code: text }, ...extra });

describe("Runs", () => {
  it.each([
    ["python", "import sys\nprint('py', sys.version_info[0])", "py 3\n"],
    ["node", "console.log('node', typeof require)", "node function\n"],
    ["node", "import { sep } from 'node:path';\nconsole.log('node', typeof require, sep)", "node undefined /\n"],
    ["typescript", "const n: number = 2;\nconsole.log('ts', n * 21)", "ts 42\n"],
    ["go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("go", 6*7) }\n', "go 42\n"],
    ["deno", "const v: string = Deno.version.deno;\nconsole.log('deno', typeof v)", "deno string\n"],
    ["bash", "echo bash ${BASH_VERSINFO[0]}", "bash 5\n"],
  ] as const)("runs inline %s code", async (language, text, expected) => {
    const result = await code(language, text);
    expect(result).toMatchObject({ stdout: expected, stderr: "", exitCode: 0 });
  });

  it("starts programs with the sandbox's environment alone, and as the OOM killer's first pick where it runs inside the sandbox", async () => {
    const env = await code("bash", "env");
    expect(env.stdout).toContain("HOME=/home/sandbox");
    // What the agent was told of its runtime and its own thread pool stay the agent's.
    expect(env.stdout).not.toMatch(/SANDPIT_AGENT_RUNTIME|UV_THREADPOOL_SIZE/);
    // Under gVisor no OOM killer runs inside the sandbox (the host's kills it whole): nothing to prefer.
    if ((await h.runtime.choose()).gvisor) return;
    // The agent sets it just after the program started: the program waits until it shows.
    const adj = await code(
      "python",
      "import time\nend = time.time() + 10\nwhile time.time() < end:\n    adj = open('/proc/self/oom_score_adj').read().strip()\n    if adj != '0': break\nprint(adj)\n",
    );
    expect(adj.stdout).toBe("1000\n");
  });

  it("tells CommonJS from ES modules in node", async () => {
    expect((await code("node", "console.log(typeof require, typeof module)")).stdout).toBe("function object\n");
    expect((await code("node", "import os from 'node:os';\nconsole.log(typeof require, typeof os.cpus)")).stdout).toBe(
      "undefined function\n",
    );
  });

  it("runs an entry file from the workspace with args, stdin and env", async () => {
    await writeFile(
      h.manager,
      session,
      "app/main.py",
      Buffer.from("import os, sys\nprint(sys.argv[1:], sys.stdin.read().upper(), os.environ['TOKEN'])\n"),
    );
    const result = await run(h.manager, session, {
      language: "python",
      source: { entry: "app/main.py" },
      args: ["--flag", "two words"],
      stdin: "piped in",
      env: { TOKEN: "s3cret" },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "['--flag', 'two words'] PIPED IN s3cret\n" });
  });

  it("runs .mjs and .ts entry files", async () => {
    await writeFile(
      h.manager,
      session,
      "esm.mjs",
      Buffer.from("export const x = 1;\nconsole.log('mjs', import.meta.url.endsWith('esm.mjs'))\n"),
    );
    await writeFile(
      h.manager,
      session,
      "main.ts",
      Buffer.from("interface P { n: number }\nconst p: P = { n: 3 };\nconsole.log('ts', p.n)\n"),
    );
    expect((await run(h.manager, session, { language: "node", source: { entry: "esm.mjs" } })).stdout).toBe("mjs true\n");
    expect((await run(h.manager, session, { language: "typescript", source: { entry: "main.ts" } })).stdout).toBe("ts 3\n");
  });

  it("runs a Go entry file in the workspace's own module", async () => {
    await writeFile(h.manager, session, "gomod/go.mod", Buffer.from("module example.com/app\n\ngo 1.19\n"));
    await writeFile(
      h.manager,
      session,
      "gomod/util/util.go",
      Buffer.from("package util\n\nfunc Twice(n int) int { return 2 * n }\n"),
    );
    await writeFile(
      h.manager,
      session,
      "gomod/main.go",
      Buffer.from(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/app/util"\n)\n\nfunc main() { fmt.Println("twice", util.Twice(21)) }\n',
      ),
    );
    await exec(h.manager, session, { command: "cp -r /workspace/gomod/. /workspace/ && rm -rf /workspace/gomod", shell: "go" });
    const result = await run(h.manager, session, { language: "go", source: { entry: "main.go" } });
    expect(result).toMatchObject({ stdout: "twice 42\n", exitCode: 0 });
    await exec(h.manager, session, { command: "rm -rf /workspace/go.mod /workspace/util /workspace/main.go", shell: "go" });
  });

  it("keeps a run's env to that run", async () => {
    await code("bash", "echo $SECRET", { env: { SECRET: "hunter2" } });
    expect((await code("bash", 'echo "${SECRET:-absent}"')).stdout).toBe("absent\n");
  });

  it("keeps stdout and stderr apart and returns the exit code", async () => {
    const result = await code("python", "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(2)");
    expect(result).toMatchObject({ stdout: "out\n", stderr: "err\n", exitCode: 2, timedOut: false, truncated: false });
  });

  it("keeps trailing newlines and NUL bytes, and returns non-UTF-8 output as base64", async () => {
    expect((await code("bash", "printf 'a\\n\\n'")).stdout).toBe("a\n\n");
    expect((await code("python", "import sys\nsys.stdout.write('x\\0y\\n')")).stdout).toBe("x\u0000y\n");
    const binary = await code("python", "import sys\nsys.stdout.buffer.write(bytes([0, 255, 10]))");
    expect(binary).toMatchObject({ stdoutEncoding: "base64", stdout: Buffer.from([0, 255, 10]).toString("base64") });
  });

  it("kills the whole process tree on timeout with exit code 124", async () => {
    const result = await code("bash", "sleep 60 & setsid sleep 61 & (trap '' TERM; sleep 62) & sleep 63", { timeoutMs: 1000 });
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    const left = await exec(h.manager, session, { command: "ps -eo args | grep -E '^sleep 6[0-3]' || echo none", shell: "ps" });
    expect(left.stdout).toBe("none\n");
  });

  it("ends what a run left in the background when it exits", async () => {
    const result = await code("bash", "(sleep 70 &) ; echo started");
    expect(result).toMatchObject({ exitCode: 0, stdout: "started\n" });
    const left = await exec(h.manager, session, { command: "ps -eo args | grep -E '^sleep 70' || echo none", shell: "ps" });
    expect(left.stdout).toBe("none\n");
  });

  it("cuts output past the cap, flags it, and never hangs", async () => {
    const result = await code("python", "import sys\nsys.stdout.write('y' * 5_000_000)\nsys.stderr.write('done')");
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(h.manager.limits.outputBytes);
    expect(result.stderr).toBe("done");
  });

  it("reports a missing interpreter file clearly", async () => {
    const result = await run(h.manager, session, { language: "python", source: { entry: "nope.py" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("No such file or directory");
  });

  it("refuses entry files outside the workspace", async () => {
    await expect(run(h.manager, session, { language: "python", source: { entry: "../etc/passwd" } })).rejects.toThrow(
      "inside /workspace",
    );
    await expect(run(h.manager, session, { language: "bash", source: { entry: "/etc/passwd" } })).rejects.toThrow(
      "inside /workspace",
    );
  });

  it("streams ordered chunks, then one exit event after the process ended", async () => {
    const events: RunEvent[] = [];
    for await (const event of runStream(h.manager, session, {
      language: "bash",
      source: { code: "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done; exit 5" },
    })) {
      events.push(event);
    }
    const exits = events.filter((e) => e.type === "exit");
    expect(exits).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "exit", exitCode: 5 });
    const text = (type: string) =>
      events
        .filter((e) => e.type === type)
        .map((e) => (e.type === "exit" ? "" : e.data.toString()))
        .join("");
    expect(text("stdout")).toBe("out1\nout2\nout3\n");
    expect(text("stderr")).toBe("err1\nerr2\nerr3\n");
    expect(events.filter((e) => e.type === "stdout").length).toBeGreaterThanOrEqual(3);
  });

  it("stops a streamed run when the reader stops", async () => {
    // "first" comes once sleep 71 runs, so the run is underway when the reader stops.
    const code = "sleep 71 & echo first; wait";
    for await (const event of runStream(h.manager, session, { language: "bash", source: { code } })) {
      if (event.type === "stdout") break;
    }
    // The stop is sent as the reader leaves; the process goes well before it would end by itself.
    const ps = async (): Promise<string> =>
      (await exec(h.manager, session, { command: "ps -eo args | grep -E '^sleep 71' || echo none", shell: "ps" })).stdout;
    await waitFor("the streamed run's process to end", async () => (await ps()) === "none\n", 30_000);
  });
});
