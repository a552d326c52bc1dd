import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import type { PtyHandle } from "./engine/driver";
import { exec, openTerminal } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

/**
 * Collects terminal output and waits until it contains `text`, or `text` appears `times` times
 * (escape sequences and \r removed).
 */
function screen(pty: PtyHandle): { waitFor(text: string, times?: number): Promise<string> } {
  let output = "";
  const waiters: Array<() => void> = [];
  pty.stream.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    async waitFor(text, times = 1) {
      const deadline = Date.now() + 10_000;
      const plain = (): string => output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
      while (plain().split(text).length - 1 < times) {
        if (Date.now() > deadline)
          throw new Error(`terminal never showed ${JSON.stringify(text)}; it showed ${JSON.stringify(output)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return plain();
    },
  };
}

describe("Terminal", () => {
  it("is a PTY in the context of a shell: same cwd, variables and functions", async () => {
    await exec(h.manager, session, { command: "cd /tmp && export FROM_SHELL=yes && hello() { echo hello-fn; }", shell: "term" });
    const pty = await openTerminal(h.manager, session, { shell: "term", cols: 100, rows: 30 });
    const view = screen(pty);
    // The arithmetic makes the output differ from the echoed input.
    pty.stream.write('pwd; echo "var=$FROM_SHELL"; hello; test -t 0 && test -t 1 && echo "ttys-$((1 + 1))"\n');
    const output = await view.waitFor("hello-fn");
    expect(output).toContain("/tmp\n");
    expect(output).toContain("var=yes\n");
    await view.waitFor("ttys-2\n");
    // What the agent's command line told it alone is not the terminal's (Docker starts it in the container).
    pty.stream.write('echo "told=[${SANDPIT_AGENT_RUNTIME-}${UV_THREADPOOL_SIZE-}]-$((2 + 2))"\n');
    await view.waitFor("told=[]-4\n");
    // Under gVisor the terminal is the engine's pty handed in: a terminal (size, resizes, ^C) that has
    // no name under /dev/pts, so tty(1) says "not a tty" there.
    if (!(await h.runtime.choose()).gvisor) {
      pty.stream.write("tty | grep -c /dev/pts\n");
      await view.waitFor("\n1\n");
    }
    // ^C reaches the foreground command, as from a keyboard. (Under gVisor the engine's pty it is
    // handed loses input typed right after ^C now and then, so this is checked under runc.)
    if ((await h.runtime.choose()).gvisor) {
      pty.stream.write("exit 7\n");
      expect(await pty.exited()).toBe(7);
      return;
    }
    // The foreground process itself says when it runs (computed output, not the echo of the typed
    // line) and becomes the sleep, so ^C comes while it is the terminal's foreground job.
    pty.stream.write('sh -c \'echo "sleeping-$((2 + 3))"; exec sleep 60\'; echo "slept-$((2 + 2))"\n');
    const prompts = (await view.waitFor("sleeping-5\n")).split(":/tmp$ ").length - 1;
    pty.stream.write("\x03");
    // ^C also discards what was typed ahead (as on any terminal): type on at the prompt after it.
    await view.waitFor(":/tmp$ ", prompts + 1);
    pty.stream.write('echo "back-$((3 + 3))"\n');
    expect(await view.waitFor("back-6\n")).not.toContain("slept-4");
    pty.stream.write("exit 7\n");
    expect(await pty.exited()).toBe(7);
  });

  it("follows resizes", async () => {
    const pty = await openTerminal(h.manager, session, { cols: 80, rows: 24 });
    const view = screen(pty);
    pty.stream.write("stty size\n");
    await view.waitFor("24 80");
    await pty.resize(132, 40);
    // gVisor passes the new size on to its terminal a moment after the engine applied it: ask again
    // (bounded) until the shell sees it.
    let shown = "";
    for (let asked = 1; asked <= 10 && !shown.includes("40 132"); asked++) {
      pty.stream.write("stty size\n");
      shown = await view.waitFor(":/workspace$ ", 2 + asked);
    }
    expect(shown).toContain("40 132");
    pty.stream.write("exit\n");
    await pty.exited();
  });

  it("runs cd /tmp then pwd like a person would type it", async () => {
    const pty = await openTerminal(h.manager, session, { cols: 80, rows: 24 });
    const view = screen(pty);
    pty.stream.write("cd /tmp\n");
    pty.stream.write("pwd\n");
    // The echo of "pwd" is followed by its output, /tmp (the typed "cd /tmp" alone would not match).
    expect(await view.waitFor("pwd\n/tmp\n")).toContain("pwd\n/tmp\n");
    pty.stream.write("exit\n");
    await pty.exited();
  });
});
