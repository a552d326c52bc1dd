import { execFile } from "node:child_process";
import { promisify } from "node:util";
import dgram from "node:dgram";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { COMPILE_FAILED_EXIT_CODE } from "@/lib/languages";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { SandboxUnavailableError } from "./errors";
import { run, runStream, type RunRequest, type RunResult } from "./runs";
import { AGENT_FILE, AGENT_MOUNT } from "./engine/driver";
import { gvisorPidsLimit } from "./engine/runtime";
import { exec } from "./shells";
import { unsealedIn } from "@/test/layers";

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

/** What an attack's run gave: its output as text, and how it ended. */
type AttackResult = Pick<RunResult, "stdout" | "stderr" | "exitCode" | "timedOut" | "truncated">;

/** The line an attack prints (on stderr) before it starts, taken out of the result again. */
const UNDERWAY = "attack-underway";

/** `code` printing UNDERWAY first, in the languages attacks are written in; other code runs as it is. */
function markedAttack(code: string, language: RunRequest["language"]): string | undefined {
  if (language === "bash") return `echo ${UNDERWAY} >&2; ${code}`;
  if (language === "python") return `import sys; print("${UNDERWAY}", file=sys.stderr, flush=True)\n${code}`;
  return undefined;
}

/** Runs the attack while the neighbour keeps answering; returns the attack's result. */
async function contained(
  code: string,
  language: RunRequest["language"] = "bash",
  timeoutMs = 5_000,
): Promise<AttackResult | typeof SANDBOX_STOPPED> {
  const marked = markedAttack(code, language);
  let underway = (): void => undefined;
  const begun = new Promise<void>((resolve) => (underway = resolve));
  // Unmarked code (the compiled languages' checks that a build fits) counts as underway once sent.
  if (marked === undefined) underway();
  const attack = (async (): Promise<AttackResult> => {
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    for await (const event of runStream(h.manager, attacker, { language, source: { code: marked ?? code }, timeoutMs })) {
      if (event.type === "exit") {
        const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString();
        const { exitCode, timedOut, truncated } = event;
        return { stdout: text(out.stdout), stderr: text(out.stderr).replace(`${UNDERWAY}\n`, ""), exitCode, timedOut, truncated };
      }
      if (event.type === "display") continue;
      out[event.type].push(event.data);
      if (Buffer.concat(out.stderr).includes(UNDERWAY)) underway();
    }
    throw new Error("the attack's run ended without an exit event");
  })().catch((error: unknown) => {
    if (gvisor && error instanceof SandboxUnavailableError && /the sandbox stopped/.test(error.message)) return SANDBOX_STOPPED;
    throw error;
  });
  // The neighbour is asked once the attack is underway (or over, when gVisor stopped the sandbox
  // before its first output arrived), never before it began.
  await Promise.race([begun, attack]);
  const answers: string[] = [];
  for (let i = 0; i < 3; i++)
    answers.push((await exec(h.manager, neighbour, { command: "echo alive", timeoutMs: 10_000 })).stdout);
  const result = await attack;
  expect(answers).toEqual(["alive\n", "alive\n", "alive\n"]);
  // Afterwards the attacker's own sandbox works again, with nothing of the attack left running.
  const after = await exec(h.manager, attacker, { command: "echo ok; ps -eo pid= | wc -l", timeoutMs: 10_000 });
  expect(after.stdout.split("\n")[0]).toBe("ok");
  expect(Number(after.stdout.split("\n")[1])).toBeLessThan(12);
  return result;
}

/** A run that must finish normally (no limit of the whole sandbox reached). */
function finished(result: AttackResult | typeof SANDBOX_STOPPED): AttackResult {
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
    // Every TCP connection and DNS query the servers get, by the tag the probe sends (its first
    // line over TCP, its query's first label over UDP), so late control traffic is never mistaken
    // for the sandbox's.
    const seen = { tcp: [] as string[], dns: [] as string[] };
    const tcp = net.createServer((socket) => {
      let text = "";
      socket.on("error", () => undefined); // a probe that gave up may reset the connection
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("close", () => seen.tcp.push(text.trim() || "(no tag)"));
      socket.end("hello\n");
    });
    const udp = dgram.createSocket("udp4");
    udp.on("message", (message, from) => {
      seen.dns.push(message.subarray(13, 13 + (message[12] ?? 0)).toString());
      udp.send(message, from.port, from.address);
    });
    await new Promise<void>((resolve) => tcp.listen(0, "0.0.0.0", resolve));
    await new Promise<void>((resolve) => udp.bind(0, "0.0.0.0", resolve));
    try {
      const ports = [String((tcp.address() as net.AddressInfo).port), String(udp.address().port)];
      // The control: a container on Docker's bridge network (runc, whatever the engine's default
      // runtime) reaches the servers through its own default gateway, retrying until a deadline:
      // on a fresh engine the bridge network's inspect data has no Gateway (moby/moby#26799), and
      // a machine under load may answer late; neither may read as "blocked".
      const control = await execFileAsync("docker", [
        "run",
        "--rm",
        "--network",
        "bridge",
        "--runtime",
        "runc",
        h.image,
        "python3",
        "-c",
        EGRESS_PROBE,
        "gateway",
        ...ports,
        "control",
        "60",
      ]);
      const via = /^via (\S+)\ntcp ok\ndns ok\n$/.exec(control.stdout)?.[1];
      expect(via, `the control reached the servers (it said ${JSON.stringify(control)})`).toBeDefined();
      await waitFor("the control's TCP tag to reach the server", () => seen.tcp.includes("control"));
      expect(seen.dns).toContain("control");
      const connections = seen.tcp.length;
      // ... and from a sandbox, the same probe aimed at the same address gets nowhere, and the
      // servers see nothing of it.
      const result = finished(
        await contained(`python3 -c '${EGRESS_PROBE}' ${via ?? ""} ${ports.join(" ")} sandbox`, "bash", 20_000),
      );
      expect(result.stdout).toBe("tcp blocked\ndns blocked\n");
      expect(seen.tcp).toHaveLength(connections);
      expect([...seen.tcp, ...seen.dns]).not.toContain("sandbox");
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it("keeps what sessions share (a layer, the agent) unchanged, even through a user namespace that remounts it read-write", async () => {
    const agentFile = path.join(h.manager.agentDir, AGENT_FILE);
    const agentBefore = readFileSync(agentFile);
    const agentFolderBefore = readdirSync(h.manager.agentDir).sort();
    // As on a host where the sandbox user's uid owns the checkout: the bundle's folder is theirs.
    chownSync(h.manager.agentDir, 1000, 1000);
    onTestFinished(() => chownSync(h.manager.agentDir, 0, 0));
    // A layer as a setup leaves it: the sandbox user's, one file writable by all, one setuid.
    const made = mkdtempSync(path.join(tmpdir(), "layer-src-"));
    mkdirSync(path.join(made, "pkg"));
    writeFileSync(path.join(made, "shared.txt"), "original\n");
    writeFileSync(path.join(made, "pkg", "mod.py"), "VALUE = 1\n");
    writeFileSync(path.join(made, "open.txt"), "open\n", { mode: 0o666 });
    writeFileSync(path.join(made, "tool"), "#!/bin/sh\n", { mode: 0o4755 });
    await execFileAsync("chmod", ["0666", path.join(made, "open.txt")]);
    await execFileAsync("chmod", ["4755", path.join(made, "tool")]);
    await execFileAsync("chown", ["-R", "1000:1000", made]);
    const key = `layers/${randomBytes(32).toString("hex")}.tar.gz`;
    const { stdout: archive } = await execFileAsync("tar", ["-czf", "-", "-C", made, "."], { encoding: "buffer" });
    await h.store.put(key, archive);
    const [poisoner, victim] = [h.session(), h.session()];
    await h.manager.attachLayer(poisoner, key);
    await h.manager.attachLayer(victim, key);

    const attack = await run(h.manager, poisoner, {
      language: "bash",
      source: {
        code: [
          "unshare -Urm sh -c 'mount -o remount,rw,bind /opt/layer && echo remounted; echo poisoned >> /opt/layer/shared.txt; echo poisoned >> /opt/layer/open.txt; echo X = 2 > /opt/layer/pkg/evil.py; chmod 0777 /opt/layer/shared.txt'",
          "echo poisoned >> /opt/layer/shared.txt; echo poisoned >> /opt/layer/open.txt; touch /opt/layer/pkg/evil.py",
          `unshare -Urm sh -c 'for m in ${AGENT_MOUNT} ${AGENT_MOUNT}/${AGENT_FILE}; do mount -o remount,rw,bind $m; done; echo "//" >> ${AGENT_MOUNT}/${AGENT_FILE}; touch ${AGENT_MOUNT}/extra.mjs; mv ${AGENT_MOUNT}/${AGENT_FILE} ${AGENT_MOUNT}/old.mjs'`,
          "true",
        ].join("\n"),
      },
    });
    // Under runc the namespace is refused outright; under gVisor it is made and the remount works,
    // but every write is refused: nothing in the layer is the sandbox user's.
    expect(attack.exitCode).toBe(0);
    if (!gvisor) expect(attack.stderr).toMatch(/unshare failed: Operation not permitted/);
    const dir = h.layers.dirOf(key);
    expect(readFileSync(path.join(dir, "shared.txt"), "utf8")).toBe("original\n");
    expect(readFileSync(path.join(dir, "open.txt"), "utf8")).toBe("open\n");
    expect(existsSync(path.join(dir, "pkg", "evil.py"))).toBe(false);
    // The host's copy is root's, writable by nobody else, and setuid-free.
    const unsealed = unsealedIn(dir);
    expect(unsealed).toBe("");
    expect(statSync(path.join(dir, "shared.txt")).mode & 0o777).toBe(0o644);
    const seen = await run(h.manager, victim, {
      language: "bash",
      source: { code: "cat /opt/layer/shared.txt /opt/layer/open.txt; ls /opt/layer/pkg" },
    });
    expect(seen).toMatchObject({ stdout: "original\nopen\nmod.py\n" });
    expect(readFileSync(agentFile).equals(agentBefore)).toBe(true);
    expect(readdirSync(h.manager.agentDir).sort()).toEqual(agentFolderBefore);
    await h.manager.destroy(poisoner);
    await h.manager.destroy(victim);
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

/**
 * Connects to HOST:TCP over TCP (sending TAG) and sends a DNS query for TAG.example.test to
 * HOST:UDP; each attempt waits up to 3 s for its answer, and a failed one is tried again until
 * SECONDS have passed (0 unless given: one attempt each). Prints "tcp ok|blocked" and
 * "dns ok|blocked", each failure's reason on stderr. HOST "gateway" means this container's default
 * gateway, printed first as "via ADDRESS". No single quotes: the sandbox passes it inside '...'.
 */
const EGRESS_PROBE = String.raw`import socket, struct, sys, time
host, tcp, udp, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + (float(sys.argv[5]) if len(sys.argv) > 5 else 0)
if host == "gateway":
    for row in open("/proc/net/route").read().splitlines()[1:]:
        f = row.split()
        if f[1] == "00000000": host = socket.inet_ntoa(struct.pack("<L", int(f[2], 16)))
    print("via", host)
def attempt(what, once):
    while True:
        try:
            once(); return print(what, "ok")
        except OSError as error: print(what, repr(error), file=sys.stderr)
        if time.monotonic() >= deadline: return print(what, "blocked")
        time.sleep(0.2)
def connect():
    with socket.create_connection((host, tcp), timeout=3) as c: c.sendall(tag.encode() + b"\n"); c.recv(16)
query = bytes.fromhex("123401000001000000000000") + bytes([len(tag)]) + tag.encode() + bytes.fromhex("076578616d706c6504746573740000010001")
def ask():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3); s.sendto(query, (host, udp)); s.recvfrom(512)
attempt("tcp", connect)
attempt("dns", ask)`;

function readFileIfPresent(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
