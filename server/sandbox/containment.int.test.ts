import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { run, type RunResult } from "./runs";
import { exec } from "./shells";

let h: SandboxHarness;
let attacker: string;
let neighbour: string;

beforeAll(async () => {
  h = await sandboxHarness({ limits: { memoryMb: 256, pids: 128, tmpMb: 32 } });
  attacker = h.session();
  neighbour = h.session();
  await exec(h.manager, neighbour, { command: "true" });
  await exec(h.manager, attacker, { command: "true" });
});
afterAll(async () => h[Symbol.asyncDispose]());

/** Runs the attack while the neighbour keeps answering; returns the attack's result. */
async function contained(code: string, language: "bash" | "python" = "bash", timeoutMs = 5_000): Promise<RunResult> {
  const attack = run(h.manager, attacker, { language, source: { code }, timeoutMs });
  const answers: string[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    answers.push((await exec(h.manager, neighbour, { command: "echo alive", timeoutMs: 10_000 })).stdout);
  }
  const result = await attack;
  expect(answers).toEqual(["alive\n", "alive\n", "alive\n"]);
  // Afterwards the attacker's own sandbox works again, with nothing of the attack left running.
  const after = await exec(h.manager, attacker, { command: "echo ok; ps -eo pid= | wc -l", timeoutMs: 10_000 });
  expect(after.stdout.split("\n")[0]).toBe("ok");
  expect(Number(after.stdout.split("\n")[1])).toBeLessThan(12);
  return result;
}

describe("Containment", () => {
  it("contains a fork bomb", async () => {
    const result = await contained("bomb() { bomb | bomb & }; bomb; sleep 30", "bash", 3_000);
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    expect(result.stderr).toContain("Resource temporarily unavailable");
  });

  it("contains a memory bomb", async () => {
    const result = await contained("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))", "python");
    expect(result.exitCode).toBe(137);
  });

  it("contains an output flood", async () => {
    const result = await contained("head -c 1000000000 /dev/zero");
    expect(result).toMatchObject({ exitCode: 0, truncated: true });
    expect(result.stdout.length).toBe(h.manager.limits.outputBytes);
  });

  it("contains a full /tmp", async () => {
    const result = await contained("head -c 100000000 /dev/zero > /tmp/fill; echo exit=$?; rm -f /tmp/fill");
    expect(result.stderr).toContain("No space left on device");
    expect(result.stdout).toBe("exit=1\n");
  });

  it("contains a CPU spin and a process that ignores SIGTERM", async () => {
    const spin = await contained("while :; do :; done", "bash", 1_500);
    expect(spin).toMatchObject({ exitCode: 124, timedOut: true });
    const ignoresTerm = await contained("trap '' TERM INT HUP; sleep 100", "bash", 1_500);
    expect(ignoresTerm).toMatchObject({ exitCode: 124, timedOut: true });
  });

  it("refuses attempts on the host: no Docker socket, no mount, no sysrq, no setuid gain, no raw sockets", async () => {
    const probe = await run(h.manager, attacker, {
      language: "bash",
      source: {
        code: [
          "ls /var/run/docker.sock /run/docker.sock 2>/dev/null | wc -l",
          "mount -t tmpfs none /mnt 2>&1 | grep -c -i -E 'permission denied|only root|superuser'",
          "(echo b > /proc/sysrq-trigger) 2>/dev/null && echo 0 || echo 1",
          "find / -xdev -perm -4000 -type f 2>/dev/null | wc -l",
          "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)' 2>&1 | grep -c 'Operation not permitted'",
          "grep -c . /run/sandpit/* 2>/dev/null | grep -v agent.sock | wc -l",
        ].join("; "),
      },
    });
    const [socket, mount, sysrq, , raw] = probe.stdout.split("\n");
    expect({ socket, mount, sysrq, raw }).toEqual({ socket: "0", mount: "1", sysrq: "1", raw: "1" });
    // setuid binaries gain nothing under no-new-privileges: su as the sandbox user fails.
    const su = await run(h.manager, attacker, { language: "bash", source: { code: "su -c id root </dev/null 2>&1; id -u" } });
    expect(su.stdout.trim().split("\n").at(-1)).toBe("1000");
  });

  it("gives runs no network: only the loopback interface and no route", async () => {
    const result = await run(h.manager, attacker, {
      language: "python",
      source: {
        code: "import os\nprint(sorted(os.listdir('/sys/class/net')))\nprint(len(open('/proc/net/route').read().splitlines()) - 1)",
      },
    });
    expect(result.stdout).toBe("['lo']\n0\n");
  });
});
