import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import dgram from "node:dgram";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPILE_FAILED_EXIT_CODE } from "@/lib/languages";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { SandboxUnavailableError } from "./errors";
import { run, type RunRequest, type RunResult } from "./runs";
import { gvisorPidsLimit } from "./engine/runtime";
import { exec } from "./shells";

const execFileAsync = promisify(execFile);

let h: SandboxHarness;
let attacker: string;
let neighbour: string;
/** Whether the sandboxes run under gVisor (SANDPIT_DOCKER_RUNTIME, auto by default). */
let gvisor: boolean;

beforeAll(async () => {
  h = await sandboxHarness({ limits: { memoryMb: 256, pids: 128, tmpMb: 32, workspaceMb: 64 } });
  gvisor = (await h.runtime.choose()).gvisor;
  attacker = h.session();
  neighbour = h.session();
  await exec(h.manager, neighbour, { command: "true" });
  await exec(h.manager, attacker, { command: "true" });
});
afterAll(async () => h[Symbol.asyncDispose]());

/**
 * What a bomb that reaches the memory or pids limit does under gVisor: the user-space kernel holds
 * every process's memory and threads, so the host stops the whole sandbox (the run fails saying so,
 * and the session's next request starts a fresh sandbox) instead of failing one process.
 */
const SANDBOX_STOPPED = "sandbox stopped" as const;

/** Runs the attack while the neighbour keeps answering; returns the attack's result. */
async function contained(
  code: string,
  language: RunRequest["language"] = "bash",
  timeoutMs = 5_000,
): Promise<RunResult | typeof SANDBOX_STOPPED> {
  const attack = run(h.manager, attacker, { language, source: { code }, timeoutMs }).catch((error: unknown) => {
    if (gvisor && error instanceof SandboxUnavailableError && /the sandbox stopped/.test(error.message)) return SANDBOX_STOPPED;
    throw error;
  });
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

/** A run that must finish normally (no limit of the whole sandbox reached). */
function finished(result: RunResult | typeof SANDBOX_STOPPED): RunResult {
  if (result === SANDBOX_STOPPED) throw new Error("the sandbox stopped during a run that should have finished");
  return result;
}

describe("Containment", () => {
  it("bounds the sandbox on the host: memory and pids limits are the engine's", async () => {
    const [container] = (await h.driver.list()).filter((c) => c.sessionId === attacker);
    const info = await h.docker.getContainer(container?.id ?? "").inspect();
    if (gvisor) expect(info.HostConfig.Runtime).toBe("runsc");
    else expect(info.HostConfig.Runtime ?? "").not.toMatch(/^runsc/);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    // gVisor's own threads count against the host's limit (see gvisorPidsLimit).
    expect(info.HostConfig.PidsLimit).toBe(gvisor ? gvisorPidsLimit(128) : 128);
  });

  it("contains a fork bomb", async () => {
    const result = await contained("bomb() { bomb | bomb & }; bomb; sleep 30", "bash", 3_000);
    if (gvisor) expect(result).toBe(SANDBOX_STOPPED);
    else {
      expect(result).toMatchObject({ exitCode: 124, timedOut: true });
      expect(finished(result).stderr).toContain("Resource temporarily unavailable");
    }
  });

  it("contains a memory bomb", async () => {
    const result = await contained("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))", "python");
    if (gvisor) expect(result).toBe(SANDBOX_STOPPED);
    else expect(finished(result).exitCode).toBe(137);
  });

  it("contains an output flood", async () => {
    // 100 times the output limit; gVisor moves about 30 MB/s through a pipe on the ptrace platform.
    const result = finished(await contained("head -c 100000000 /dev/zero", "bash", 60_000));
    expect(result).toMatchObject({ exitCode: 0, truncated: true });
    expect(result.stdout.length).toBe(h.manager.limits.outputBytes);
  });

  it("contains a full /tmp", async () => {
    const result = finished(await contained("head -c 100000000 /dev/zero > /tmp/fill; echo exit=$?; rm -f /tmp/fill"));
    expect(result.stderr).toContain("No space left on device");
    expect(result.stdout).toBe("exit=1\n");
  });

  it("contains a full /workspace: the session's own volume fills up, the host's disk does not", async () => {
    expect(h.manager.workspaces.kind).toBe("volume");
    const result = finished(
      await contained("head -c 200000000 /dev/zero > /workspace/fill; echo exit=$?; du -m /workspace/fill | cut -f1"),
    );
    expect(result.stderr).toContain("No space left on device");
    const [exit, mb] = result.stdout.trim().split("\n");
    expect(exit).toBe("exit=1");
    expect(Number(mb)).toBeLessThanOrEqual(64);
    const image = statSync(path.join(h.dataDir, "volumes", `${attacker}.ext4`));
    expect(image.blocks * 512).toBeLessThanOrEqual(72 * 1024 * 1024);
    // Deleting the file gives the space back: the session writes again.
    const again = await run(h.manager, attacker, {
      language: "bash",
      source: {
        code: "rm /workspace/fill && head -c 20000000 /dev/zero > /workspace/again && echo written; rm /workspace/again",
      },
    });
    expect(again).toMatchObject({ stdout: "written\n", exitCode: 0 });
  });

  it("compiles within the small limits, and contains a build that fills /tmp", async () => {
    const java = finished(
      await contained('class Main { public static void main(String[] a) { System.out.println("java fits"); } }', "java", 60_000),
    );
    expect(java).toMatchObject({ stdout: "java fits\n", exitCode: 0 });
    const rust = finished(await contained('fn main() { println!("rust fits"); }', "rust", 60_000));
    expect(rust).toMatchObject({ stdout: "rust fits\n", exitCode: 0 });
    // 100 MB of initialized data: the object file cannot fit in the 32 MB /tmp where builds happen.
    const bomb = finished(await contained("char big[100000000] = {1};\nint main(void) { return big[0]; }\n", "c", 60_000));
    expect(bomb.exitCode).toBe(COMPILE_FAILED_EXIT_CODE);
    expect(bomb.stderr).toContain("No space left on device");
    const left = await exec(h.manager, attacker, { command: "ls -A /tmp/.sandpit/runs | wc -l; df -m /tmp | tail -1" });
    expect(left.stdout.split("\n")[0]).toBe("0");
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
        // /proc/net/dev lists the interfaces under runc and gVisor alike (gVisor has no /sys/class/net).
        code: "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]))\nprint(len(open('/proc/net/route').read().splitlines()) - 1)",
      },
    });
    expect(result.stdout).toBe("['lo']\n0\n");
  });

  it("lets no DNS query or TCP connection out: a server on this host sees a networked container, never the sandbox", async () => {
    let connections = 0;
    let datagrams = 0;
    const tcp = net.createServer((socket) => {
      connections += 1;
      socket.on("error", () => undefined); // the probe may close before the greeting is sent
      socket.end("hello\n");
    });
    const udp = dgram.createSocket("udp4");
    udp.on("message", (message, from) => {
      datagrams += 1;
      udp.send(message, from.port, from.address);
    });
    await new Promise<void>((resolve) => tcp.listen(0, "0.0.0.0", resolve));
    await new Promise<void>((resolve) => udp.bind(0, "0.0.0.0", resolve));
    try {
      // The bridge's own address: Docker does not always fill in IPAM's Gateway for the default bridge.
      const bridge = execFileSync(
        "docker",
        ["network", "inspect", "bridge", "-f", '{{index .Options "com.docker.network.bridge.name"}}'],
        {
          encoding: "utf8",
        },
      ).trim();
      const gateway = /inet (\S+)\//.exec(
        execFileSync("ip", ["-4", "-o", "addr", "show", "dev", bridge || "docker0"], { encoding: "utf8" }),
      )?.[1];
      expect(gateway, "the default bridge's address").toBeDefined();
      const args = [gateway ?? "", String((tcp.address() as net.AddressInfo).port), String(udp.address().port)];
      // The probe reaches the servers from a container on Docker's bridge network ...
      // (asynchronously: the servers answer from this process's event loop)
      const { stdout: control } = await execFileAsync("docker", [
        "run",
        "--rm",
        "--network",
        "bridge",
        h.image,
        "python3",
        "-c",
        EGRESS_PROBE,
        ...args,
        "30", // the control waits for the answers (up to 30 s) instead of giving up after a few seconds
      ]);
      expect(control).toBe("tcp ok\ndns ok\n");
      expect(connections).toBe(1);
      expect(datagrams).toBeGreaterThanOrEqual(1); // a datagram sent again when an answer was lost counts too
      const seen = { connections, datagrams };
      // ... and from a sandbox, the same probe gets nowhere, and the servers see nothing.
      const result = finished(await contained(`python3 -c '${EGRESS_PROBE}' ${args.join(" ")}`));
      expect(result.stdout).toBe("tcp blocked\ndns blocked\n");
      expect({ connections, datagrams }).toEqual(seen);
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it("leaves no container and no process behind once the sessions are removed", async () => {
    const containers = (await h.driver.list()).filter((c) => c.sessionId === attacker || c.sessionId === neighbour);
    expect(containers).toHaveLength(2);
    await h.manager.destroy(attacker);
    await h.manager.destroy(neighbour);
    const left = (await h.driver.list()).filter((c) => c.sessionId === attacker || c.sessionId === neighbour);
    expect(left).toEqual([]);
    // No process on this host still belongs to one of their containers' cgroups.
    const owners: string[] = [];
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      const cgroup = readFileIfPresent(`/proc/${pid}/cgroup`);
      if (containers.some((c) => cgroup.includes(c.id))) owners.push(pid);
    }
    expect(owners).toEqual([]);
    expect(existsSync(path.join(h.dataDir, "volumes", `${attacker}.ext4`))).toBe(false);
  });
});

/** Connects to argv[1]:argv[2] over TCP and sends a DNS query to argv[1]:argv[3] over UDP. */
// argv: host, TCP port, UDP port, and seconds to wait for an answer (3 unless given).
const EGRESS_PROBE = [
  "import socket, sys",
  "host, tcp, udp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
  "patience = int(sys.argv[4]) if len(sys.argv) > 4 else 3",
  "try:",
  '    socket.create_connection((host, tcp), timeout=patience).close(); print("tcp ok")',
  'except OSError: print("tcp blocked")',
  'query = bytes.fromhex("123401000001000000000000076578616d706c650474657374000001 0001".replace(" ", ""))',
  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)",
  "answer = None",
  "for _ in range(patience):",
  "    try:",
  "        s.sendto(query, (host, udp)); answer = s.recvfrom(512); break",
  "    except socket.timeout: continue",
  "    except OSError: break",
  'print("dns ok" if answer else "dns blocked")',
].join("\n");

function readFileIfPresent(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
