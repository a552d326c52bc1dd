import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_LIMITS } from "@/lib/limits";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { AGENT_FILE, AGENT_MOUNT } from "../engine/driver";
import { downloadWorkspace, readFile, streamFile, uploadWorkspace, writeFile } from "../files";
import { run } from "../runs";
import { exec } from "../shells";

let h: SandboxHarness;

beforeAll(async () => {
  h = await sandboxHarness({ limits: { fsizeMb: 2048, workspaceMb: 512 } });
});
afterAll(async () => h[Symbol.asyncDispose]());

const sh = async (session: string, command: string, timeoutMs = 30_000): Promise<string> => {
  const result = await exec(h.manager, session, { command, timeoutMs });
  return result.stdout + result.stderr;
};

/** Every attack the sandbox user can try on the agent, each line saying whether the kernel let it through. */
const ATTACK = String.raw`
import ctypes, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
agent = next(int(p) for p in os.listdir("/proc") if p.isdigit()
             and b"${AGENT_MOUNT}/${AGENT_FILE}" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\0"))
def report(name, attempt):
    try:
        attempt()
        print(name, "allowed")
    except OSError as error:
        print(name, "denied", error.errno)
def attach():
    if libc.ptrace(16, agent, None, None) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    libc.ptrace(17, agent, None, None)  # PTRACE_DETACH: leave it running if it ever succeeds
def stop():
    os.kill(agent, signal.SIGSTOP)
    os.kill(agent, signal.SIGCONT)
def environ():
    entries = set(open(f"/proc/{agent}/environ", "rb").read().split(b"\0"))
    # gVisor lets it be read: then it must hold nothing this process does not have already.
    extra = entries - set(open("/proc/self/environ", "rb").read().split(b"\0"))
    print("environ readable, not in the sandbox user's own:", json.dumps(sorted(e.decode() for e in extra)))
def stdin():
    with open(f"/proc/{agent}/fd/0", "wb") as f:
        f.write(b'{"id":99,"type":"request","op":"hello","params":{}}\n')
def stdout():
    with open(f"/proc/{agent}/fd/1", "wb") as f:
        f.write(b'{"id":1,"type":"result","result":{}}\n')
report("ptrace", attach)
report("stop", stop)
try:
    environ()
except OSError as error:
    print("environ denied", error.errno)
report("stdin", stdin)
report("stdout", stdout)
report("term", lambda: os.kill(agent, signal.SIGTERM))
report("kill", lambda: os.kill(agent, signal.SIGKILL))
`;

describe("The agent against its own sandbox's code", () => {
  it("cannot be traced, stopped, killed, read or written by user code, and answers afterwards", async () => {
    const session = h.session();
    const result = await run(h.manager, session, { language: "python", source: { code: ATTACK }, timeoutMs: 20_000 });
    expect(result.stderr).toBe("");
    const lines = result.stdout.trim().split("\n");
    const [container] = (await h.driver.list()).filter((c) => c.sessionId === session);
    const info = await h.docker.getContainer(container?.id ?? "").inspect();
    const readable = "environ readable, not in the sandbox user's own: ";
    if (info.HostConfig.Runtime?.startsWith("runsc")) {
      // gVisor's /proc lets the sandbox user read it: it holds only what Docker gave the container.
      const extra = JSON.parse(lines[2]?.slice(readable.length) ?? "null") as string[];
      // …and what the agent's own command line set for it alone (see the driver's agentCommand).
      const own = ["UV_THREADPOOL_SIZE=1", "SANDPIT_AGENT_RUNTIME=gvisor"];
      expect(extra.filter((entry) => !info.Config.Env.includes(entry) && !own.includes(entry))).toEqual([]);
      lines[2] = "environ denied 13";
    }
    expect(lines).toEqual([
      "ptrace denied 1",
      "stop denied 1",
      "environ denied 13",
      "stdin denied 13",
      "stdout denied 13",
      "term denied 1",
      "kill denied 1",
    ]);
    expect(await sh(session, "echo alive; id -u")).toBe("alive\n1000\n");
  });

  it("refuses a 100 MB file to the JSON API with a clear error, stays alive, and streams it as a raw download", async () => {
    const session = h.session();
    expect(await sh(session, "head -c 100000000 /dev/urandom > big.bin && stat -c %s big.bin")).toBe("100000000\n");
    const read = readFile(h.manager, session, "big.bin");
    await expect(read).rejects.toThrow(`files are limited to ${API_LIMITS.fileBytes / 1024 / 1024} MiB`);
    await expect(read).rejects.toMatchObject({ code: "TOO_LARGE" });
    expect(await sh(session, "echo alive")).toBe("alive\n");
    // As a raw download it streams, chunk by chunk, whole.
    const { stream, entry: big } = await streamFile(h.manager, session, "big.bin");
    expect(big.size).toBe(100_000_000);
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    expect(bytes).toBe(100_000_000);
    expect(await sh(session, "sha256sum < big.bin | cut -c1-64")).toBe(`${hash.digest("hex")}\n`);
    // A file just under the limit comes back whole, in chunks.
    await sh(session, `head -c ${API_LIMITS.fileBytes} /dev/urandom > under.bin`);
    const { data, entry } = await readFile(h.manager, session, "under.bin");
    expect(data.length).toBe(API_LIMITS.fileBytes);
    expect(entry.size).toBe(API_LIMITS.fileBytes);
    expect(await sh(session, "sha256sum < under.bin | cut -c1-64")).toBe(
      `${execFileSync("sha256sum", { input: data }).toString().slice(0, 64)}\n`,
    );
  });

  it("refuses to write 100 MB with a clear error and loses nothing", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "kept.txt", Buffer.from("before\n"));
    const write = writeFile(h.manager, session, "kept.txt", Buffer.alloc(100_000_000, 1));
    await expect(write).rejects.toThrow(`files are limited to ${API_LIMITS.fileBytes / 1024 / 1024} MiB`);
    await expect(write).rejects.toMatchObject({ code: "TOO_LARGE" });
    expect(await sh(session, "cat kept.txt; ls -a | grep -c sandpit- || true")).toBe("before\n0\n");
    // A write of several chunks lands whole, under its name only.
    const body = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(h.manager, session, "kept.txt", body);
    expect(await sh(session, "stat -c %s kept.txt; ls -a | grep -c sandpit- || true")).toBe(`${body.length}\n0\n`);
  });

  it("stages uploads nowhere the sandbox can redirect: symlink flips during 20 uploads leave host folders untouched", async () => {
    const session = h.session();
    // Two host folders: flipping between them catches a write through one and a rename through the other.
    const targets = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), "sandpit-flip-target-")));
    const source = mkdtempSync(path.join(tmpdir(), "sandpit-flip-source-"));
    try {
      writeFileSync(path.join(source, "uploaded.txt"), "from an upload\n");
      // Incompressible, so each body takes a while to write wherever it is staged.
      writeFileSync(path.join(source, "noise.bin"), randomBytes(4 * 1024 * 1024));
      const archive = execFileSync("tar", ["-czf", "-", "-C", source, "uploaded.txt", "noise.bin"], {
        maxBuffer: 64 * 1024 * 1024,
      });
      // Every place the sandbox user can reach where staging could happen, flipped between the two.
      const flipper = run(h.manager, session, {
        language: "python",
        timeoutMs: 120_000,
        source: {
          code: `import os, time
targets = ${JSON.stringify(targets)}
places = ["/run/sandpit/.tmp", "/workspace/.tmp", "/tmp/.tmp", "/tmp/.sandpit/.tmp", "/home/sandbox/.tmp", "/workspace/.sandpit"]
end = time.time() + 60
i = 0
while time.time() < end and not os.path.exists("/workspace/stop-flipping"):
    for place in places:
        try:
            os.symlink(targets[i % 2], place + ".new")
            os.rename(place + ".new", place)
        except OSError:
            pass
    i += 1
print("flipped")`,
        },
      }).catch((error: Error) => error);
      // The flips are under way before the first upload arrives.
      await waitFor("the symlink flips to start", async () => (await sh(session, "test -L /tmp/.tmp && echo yes")) === "yes\n");
      const results: unknown[] = [];
      for (let i = 0; i < 20; i++) {
        results.push(await uploadWorkspace(h.manager, session, Readable.from([archive])).catch((error: Error) => error.message));
      }
      await writeFile(h.manager, session, "stop-flipping", Buffer.from(""));
      expect(await flipper).toMatchObject({ stdout: "flipped\n" });
      expect(targets.map((target) => readdirSync(target))).toEqual([[], []]);
      expect(results).toEqual(Array.from({ length: 20 }, () => ({ files: 2 })));
      expect(await sh(session, "cat uploaded.txt")).toBe("from an upload\n");
    } finally {
      for (const target of targets) rmSync(target, { recursive: true, force: true });
      rmSync(source, { recursive: true, force: true });
    }
  });

  it("archives sparse files as sparse and restores them at their sizes", async (context) => {
    const from = h.session();
    const to = h.session();
    await sh(from, "true");
    const [container] = (await h.driver.list()).filter((c) => c.sessionId === from);
    const runtime = (await h.docker.getContainer(container?.id ?? "").inspect()).HostConfig.Runtime ?? "";
    // Under gVisor a file reports all its blocks, so tar cannot tell its holes: 5 GiB of zeros would
    // be archived and unpacked as data.
    if (runtime.startsWith("runsc")) context.skip("gVisor does not report holes");
    expect(
      await sh(
        from,
        "for i in 1 2 3 4 5; do truncate -s 1G sparse-$i; done; echo marker | dd of=sparse-3 bs=1 seek=500000000 conv=notrunc status=none; echo made",
      ),
    ).toBe("made\n");
    const archive = await buffer(await downloadWorkspace(h.manager, from));
    // 5 GiB of holes take a few kilobytes, not the gigabytes' worth of compressed zeros.
    expect(archive.length).toBeLessThan(1024 * 1024);
    expect(await uploadWorkspace(h.manager, to, Readable.from([archive]))).toEqual({ files: 5 });
    expect(await sh(to, "stat -c '%n %s' sparse-*; dd if=sparse-3 bs=1 skip=500000000 count=6 status=none")).toBe(
      [1, 2, 3, 4, 5].map((i) => `sparse-${i} 1073741824\n`).join("") + "marker",
    );
  });
});
