import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { waitFor } from "@/test/wait";
import { downloadWorkspace } from "../files";
import { exec } from "../shells";

let h: SandboxHarness;
let hostDir: string;
const hostMarker = `HOST-ROOT-ONLY-${randomBytes(8).toString("hex")}`;
const neighbourMarker = `NEIGHBOUR-${randomBytes(8).toString("hex")}`;

beforeAll(async () => {
  h = await sandboxHarness();
  // A root-only host folder with a marker the sandbox must never see.
  hostDir = mkdtempSync(path.join(tmpdir(), "sandpit-root-only-"));
  chmodSync(hostDir, 0o700);
  writeFileSync(path.join(hostDir, "loot"), `${hostMarker}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await h[Symbol.asyncDispose]();
  rmSync(hostDir, { recursive: true, force: true });
});

/**
 * Sandbox code that waits (inotify IN_OPEN) for anything to open d/big, then renames d away and puts
 * a symlink to the folder named in target.txt in its place: a copier walking the workspace by name
 * that has listed d (big, then loot) goes on to open d/loot through the symlink.
 */
const WATCHER = `
import ctypes, os
libc = ctypes.CDLL("libc.so.6", use_errno=True)
fd = libc.inotify_init()
if fd < 0 or libc.inotify_add_watch(fd, b"/workspace/d/big", 0x20) < 0:
    raise SystemExit("inotify failed")
open("/workspace/watching", "w").close()
while True:
    os.read(fd, 4096)
    if os.path.islink("/workspace/d"):
        continue
    try:
        target = open("/workspace/target.txt").read().strip()
        os.rename("/workspace/d", "/workspace/d.old")
        os.symlink(target, "/workspace/d")
        with open("/workspace/swaps", "a") as out:
            out.write("swap\\n")
    except OSError:
        pass
`;

describe("Forks against a sandbox that swaps folders for symlinks while it is copied", () => {
  it("never copy a host folder or a neighbour's workspace into the fork, nor into its archive", async () => {
    const neighbour = h.session();
    await exec(h.manager, neighbour, { command: `echo ${neighbourMarker} > loot` });
    const neighbourDir = h.manager.workspaces.dir(neighbour);

    const source = h.session();
    await exec(h.manager, source, {
      // big first, loot second: a copier lists d in inode order and reaches loot after big.
      command: [
        "mkdir d",
        "head -c 33554432 /dev/urandom > d/big",
        "echo decoy > d/loot",
        `cat > w.py <<'EOF'\n${WATCHER}\nEOF`,
        "setsid nohup python3 w.py > watcher.log 2>&1 < /dev/null &",
      ].join("\n"),
    });
    await waitFor("the watcher to start", async () =>
      (await exec(h.manager, source, { command: "ls" })).stdout.includes("watching"),
    );

    const forks: string[] = [];
    let refused = 0;
    for (let round = 0; round < 10; round += 1) {
      const target = round % 2 === 0 ? hostDir : neighbourDir;
      await exec(h.manager, source, { command: `if [ -L d ]; then rm d && mv d.old d; fi; echo ${target} > target.txt` });
      const fork = h.session();
      try {
        await h.manager.forkWorkspace(source, fork);
      } catch {
        // A copy that meets the swapped folder (a helper's cp finds the symlink leads nowhere) may
        // fail; then no fork appears.
        expect(h.manager.workspaces.exists(fork)).toBe(false);
        refused += 1;
        continue;
      }
      forks.push(fork);
      const inside = await exec(h.manager, fork, {
        command: 'for f in d/loot d.old/loot; do [ -f "$f" ] && stat -c \'%u %n\' "$f" && cat "$f"; done; true',
      });
      expect(inside.stdout).not.toContain(hostMarker);
      expect(inside.stdout).not.toContain(neighbourMarker);
      expect(inside.stdout).not.toMatch(/^0 /m);
      const archive = gunzipSync(await buffer(await downloadWorkspace(h.manager, fork))).toString("latin1");
      expect(archive).not.toContain(hostMarker);
      expect(archive).not.toContain(neighbourMarker);
    }
    expect(forks.length + refused).toBe(10);
    // A block-level copy never opens the files, so the swap cannot touch it.
    if (h.manager.workspaces.kind === "volume") expect(forks.length).toBe(10);
    // The watcher was alive throughout (it is what the forks raced against).
    expect((await exec(h.manager, source, { command: "pgrep -f w.py >/dev/null && echo alive" })).stdout).toBe("alive\n");
    for (const fork of forks) await h.manager.destroy(fork);
  });

  it("keeps sparse files sparse and their contents exact in a fork", async () => {
    const source = h.session();
    await exec(h.manager, source, {
      command: [
        "for i in 1 2 3 4 5; do truncate -s 1G sparse$i; done",
        "printf MIDDLE | dd of=sparse3 bs=1 seek=536870912 conv=notrunc status=none",
        "mkdir -p keep && echo text > keep/a.txt && chmod 640 keep/a.txt && ln -s keep/a.txt link && echo S=1 > .env",
      ].join("\n"),
    });
    const fork = h.session();
    await h.manager.forkWorkspace(source, fork);
    const inside = await exec(h.manager, fork, {
      command: [
        "for i in 1 2 3 4 5; do stat -c '%n %s' sparse$i; done",
        "du -sk --total sparse? | tail -1 | cut -f1",
        "dd if=sparse3 bs=1 skip=536870912 count=6 status=none; echo",
        "stat -c '%a %F' keep/a.txt link; readlink link; cat link; ls -A",
      ].join("\n"),
    });
    const lines = inside.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => `sparse${i} 1073741824`));
    // Five 1 GiB files that use (next to) no blocks: gVisor reports blocks from the size, so du
    // tells holes from data under runc only; the fork's volume image shows it under both.
    if (!(await h.runtime.choose()).gvisor) expect(Number(lines[5])).toBeLessThan(1024);
    if (h.manager.workspaces.kind === "volume") {
      expect(statSync(path.join(h.dataDir, "volumes", `${fork}.ext4`)).blocks * 512).toBeLessThan(64 * 1024 * 1024);
    }
    expect(lines.slice(6)).toEqual([
      "MIDDLE",
      "640 regular file",
      "777 symbolic link",
      "keep/a.txt",
      "text",
      "keep",
      "link",
      "sparse1",
      "sparse2",
      "sparse3",
      "sparse4",
      "sparse5",
      "",
    ]);
  });

  it("copies forks asked for at once together: one flush and freeze for the batch, every fork exact", async () => {
    const source = h.session();
    await exec(h.manager, source, { command: "echo original > task.py" });
    const copyAll = vi.spyOn(h.manager.workspaces, "copyAll");
    try {
      const forks = Array.from({ length: 6 }, () => h.session());
      await Promise.all(forks.map((fork) => h.manager.forkWorkspace(source, fork)));
      // The first fork takes the lock at once; the five asked for meanwhile share the next copy.
      const batches = copyAll.mock.calls.map(([, targets]) => targets.length);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(6);
      expect(batches.length).toBeLessThanOrEqual(2);
      for (const fork of forks) expect((await exec(h.manager, fork, { command: "cat task.py" })).stdout).toBe("original\n");
      // A fork asked for later is a batch of its own and sees later writes.
      await exec(h.manager, source, { command: "echo changed > task.py" });
      const later = h.session();
      await h.manager.forkWorkspace(source, later);
      expect((await exec(h.manager, later, { command: "cat task.py" })).stdout).toBe("changed\n");
      expect((await exec(h.manager, forks[0] ?? "", { command: "cat task.py" })).stdout).toBe("original\n");
    } finally {
      copyAll.mockRestore();
    }
  });

  it("leaves nothing behind once its sessions are destroyed: no mounts, loop devices, images or containers", async () => {
    const source = h.session();
    await exec(h.manager, source, { command: "echo x > x" });
    const fork = h.session();
    await h.manager.forkWorkspace(source, fork);
    await exec(h.manager, fork, { command: "true" });
    await h.manager.hibernate(fork);
    await h.manager.destroy(fork);
    await h.manager.destroy(source);
    const sessions = [source, fork];
    expect((await h.driver.list()).filter((c) => sessions.includes(c.sessionId))).toEqual([]);
    const mounts = readFileSync("/proc/self/mounts", "utf8");
    for (const id of sessions) expect(mounts).not.toContain(h.manager.workspaces.dir(id));
    const loops = execFileSync("losetup", ["-a"], { encoding: "utf8" });
    for (const id of sessions) expect(loops).not.toContain(id);
    const images = h.manager.workspaces.kind === "volume" ? readdirSync(path.join(h.dataDir, "volumes")) : [];
    for (const id of sessions) expect(images.filter((name) => name.includes(id))).toEqual([]);
    expect(
      readdirSync(path.join(h.dataDir, "workspaces")).filter((name) => sessions.includes(name) || name.startsWith(".")),
    ).toEqual([]);
  });
});
