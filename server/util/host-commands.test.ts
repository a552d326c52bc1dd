import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { HostCommandError, HostCommands, hostCommand } from "./host-commands";
import { waitFor } from "@/test/wait";

describe("Host commands", () => {
  it("run to their end and answer their output, started by the runner, not by this process", async () => {
    const { stdout, stderr } = await hostCommand("sh", ["-c", 'echo "$PPID"; echo warned >&2']);
    expect(stderr).toBe("warned\n");
    const parent = Number(stdout.trim());
    expect(parent).toBeGreaterThan(0);
    expect(parent).not.toBe(process.pid);
  });

  it("fail as execFile does: the exit code, the output and a message naming the command", async () => {
    const failed = await hostCommand("sh", ["-c", "echo out; echo 'no such mount' >&2; exit 32"]).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(HostCommandError);
    const error = failed as HostCommandError;
    expect(error.code).toBe(32);
    expect(error.stdout).toBe("out\n");
    expect(error.stderr).toBe("no such mount\n");
    expect(error.message).toContain("Command failed: sh -c");
    expect(error.message).toContain("no such mount");

    const missing = (await hostCommand("sandpit-no-such-tool", []).catch((e: unknown) => e)) as HostCommandError;
    expect(missing.code).toBe("ENOENT");
  });

  it("run at once, each answered as it ends", async () => {
    // The first ends only once the second has answered: run one after the other, they never would.
    const flag = path.join(mkdtempSync(path.join(tmpdir(), "sandpit-cmd-")), "second-answered");
    const first = hostCommand("sh", ["-c", `while [ ! -e '${flag}' ]; do sleep 0.02; done; echo first`]);
    expect((await hostCommand("echo", ["second"])).stdout).toBe("second\n");
    writeFileSync(flag, "");
    expect((await first).stdout).toBe("first\n");
    rmSync(path.dirname(flag), { recursive: true, force: true });
  });

  it("fail the commands under way when the runner ends, and start a new runner for the next", async () => {
    const runner = Number((await hostCommand("sh", ["-c", 'echo "$PPID"'])).stdout.trim());
    await expect(hostCommand("sh", ["-c", "kill -9 $PPID; sleep 5"])).rejects.toThrow(/runner ended/);
    const next = Number((await hostCommand("sh", ["-c", 'echo "$PPID"'])).stdout.trim());
    expect(next).not.toBe(runner);
    expect((await hostCommand("echo", ["again"])).stdout).toBe("again\n");
  });

  it("leave no runner behind once idle, and start another for the next command", async () => {
    const commands = new HostCommands(200);
    const runner = Number((await commands.run("sh", ["-c", 'echo "$PPID"'])).stdout.trim());
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(runner)).toBe(true);
    await waitFor("the idle runner to end", () => !alive(runner), 10_000);
    const next = Number((await commands.run("sh", ["-c", 'echo "$PPID"'])).stdout.trim());
    expect(next).not.toBe(runner);
  });

  it("fail, not throw or end the server, when their runner cannot start", async () => {
    const commands = new HostCommands(200, "/nonexistent/sandpit-node");
    const answer = commands.run("echo", ["never"]);
    await expect(answer).rejects.toThrow(/runner/);
    await expect(commands.run("echo", ["again"])).rejects.toThrow(/runner/);
  });

  it("do not keep a process alive once their commands answered", async () => {
    const source = path.join(import.meta.dirname, "host-commands.ts");
    const script = `import { hostCommand } from ${JSON.stringify(source)}; console.log((await hostCommand("echo", ["ran"])).stdout.trim());`;
    // Without the runner let go, this process would never end: execFile's timeout fails the test.
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe("ran");
  });
});
