import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDataDir } from "@/test/cleanup";
import { createWorkspaces, VolumeWorkspaces } from "./store";

let dataDir: string;
let volumes: VolumeWorkspaces;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "sandpit-volumes-"));
  volumes = new VolumeWorkspaces(dataDir, 32);
});
afterAll(async () => removeDataDir(dataDir));

const mounted = (dir: string): boolean => statSync(dir).dev !== statSync(path.dirname(dir)).dev;

describe("Workspace volumes", () => {
  it("can be used on this host (root, loop devices, mkfs.ext4), and are what auto chooses here", () => {
    expect(VolumeWorkspaces.supported()).toBe(true);
    expect(createWorkspaces(dataDir, { quota: "auto", sizeMb: 32 })).toMatchObject({ kind: "volume", sizeMb: 32 });
    expect(createWorkspaces(dataDir, { quota: "folder", sizeMb: 32 })).toMatchObject({ kind: "folder", sizeMb: null });
  });

  it("creates an empty workspace of its own filesystem, owned by the sandbox user", async () => {
    await volumes.create("a");
    const dir = volumes.dir("a");
    expect(mounted(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    expect(statSync(dir).uid).toBe(1000);
    // The folder holding the workspaces is the server's alone.
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o700);
    const size = execFileSync("df", ["--output=size", "-m", dir], { encoding: "utf8" }).trim().split("\n")[1];
    expect(Number(size)).toBeLessThanOrEqual(32);
    expect(await volumes.list()).toEqual(["a"]);
  });

  it("restores through a filler (a sandbox unpacking a snapshot) and copies", async () => {
    const dir = volumes.dir("a");
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "src", "main.py"), "print(1)\n");
    writeFileSync(path.join(dir, ".env"), "TOKEN=secret\n");
    await volumes.restore("b", (into) => {
      // Filled while mounted at its folder, and not yet there under its final name.
      expect(into).toBe(volumes.dir("b"));
      expect(mounted(into)).toBe(true);
      expect(volumes.exists("b")).toBe(false);
      mkdirSync(path.join(into, "src"));
      writeFileSync(path.join(into, "src", "main.py"), "print(1)\n");
      return Promise.resolve();
    });
    expect(volumes.exists("b")).toBe(true);
    expect(readFileSync(path.join(volumes.dir("b"), "src", "main.py"), "utf8")).toBe("print(1)\n");
    // A copy is the image, made at block level: mounted when its session starts, whose sandbox
    // deletes the sensitive files (the host does not read them).
    await volumes.copy("a", "c");
    expect(volumes.exists("c")).toBe(true);
    expect(existsSync(volumes.dir("c")) && mounted(volumes.dir("c"))).toBe(false);
    await volumes.open("c");
    expect(readFileSync(path.join(volumes.dir("c"), "src", "main.py"), "utf8")).toBe("print(1)\n");
    expect(existsSync(path.join(volumes.dir("c"), ".env"))).toBe(true);
  });

  it("copies a mounted volume with all written data in the copy, and leaves it writable", async () => {
    const dir = volumes.dir("a");
    writeFileSync(path.join(dir, "fresh.txt"), "just written\n");
    await volumes.copy("a", "e");
    // The source takes writes again (a frozen filesystem would block this write).
    writeFileSync(path.join(dir, "after.txt"), "later\n");
    await volumes.open("e");
    expect(readFileSync(path.join(volumes.dir("e"), "fresh.txt"), "utf8")).toBe("just written\n");
    expect(existsSync(path.join(volumes.dir("e"), "after.txt"))).toBe(false);
    // A crash while frozen leaves the source frozen: recovery thaws it.
    execFileSync("fsfreeze", ["--freeze", dir]);
    await volumes.recover();
    writeFileSync(path.join(dir, "thawed.txt"), "yes\n");
    await volumes.remove("e");
    const images = readdirSync(path.join(dataDir, "volumes")).filter((name) => !name.startsWith(".blank-"));
    expect(images.sort()).toEqual(["a.ext4", "b.ext4", "c.ext4"]);
  });

  it("mounts a volume again after the host restarted (unmounted), with its files", async () => {
    execFileSync("umount", [volumes.dir("b")]);
    expect(readdirSync(volumes.dir("b"))).toEqual([]);
    expect(volumes.exists("b")).toBe(true);
    const dir = await volumes.open("b");
    expect(readFileSync(path.join(dir, "src", "main.py"), "utf8")).toBe("print(1)\n");
  });

  it("keeps a failed restore from leaving anything behind", async () => {
    await expect(volumes.restore("broken", () => Promise.reject(new Error("the archive could not be unpacked")))).rejects.toThrow(
      "could not be unpacked",
    );
    expect(volumes.exists("broken")).toBe(false);
    expect(existsSync(volumes.dir("broken"))).toBe(false);
    const partial = readdirSync(path.join(dataDir, "volumes")).filter((name) => name.endsWith(".partial"));
    // Only the blank volumes kept ready for the next workspaces.
    expect(partial.filter((name) => !name.startsWith(".blank-"))).toEqual([]);
  });

  it("clears what an interrupted build left (a partial image mounted at its folder, a temporary mount) at recovery", async () => {
    const partial = path.join(dataDir, "volumes", "d.ext4.0123abcd.partial");
    execFileSync("truncate", ["-s", "32M", partial]);
    execFileSync("mkfs.ext4", ["-q", "-F", partial]);
    const folder = path.join(dataDir, "workspaces", "d");
    mkdirSync(folder);
    execFileSync("mount", ["-o", "loop", partial, folder]);
    const temp = path.join(dataDir, "workspaces", ".restore-interrupted");
    mkdirSync(temp);
    // 2 mounts and the partial image
    expect(await volumes.recover()).toBe(3);
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(temp)).toBe(false);
    expect((await volumes.list()).sort()).toEqual(["a", "b", "c"]);
  });

  it("removes a workspace: unmounted, image deleted", async () => {
    for (const id of ["a", "b", "c"]) await volumes.remove(id);
    expect(await volumes.list()).toEqual([]);
    expect(readdirSync(path.join(dataDir, "workspaces"))).toEqual([]);
    // Only the pool the volumes live in stays mounted.
    expect(mountsUnder(dataDir)).toEqual([path.join(dataDir, "volumes")]);
  });
});

const mountsUnder = (dir: string): string[] =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));

/** The data folder's filesystem (the temp folder's: ext4 on the machines Sandpit is tested on). */
const fsType = (dir: string): string => execFileSync("stat", ["-f", "-c", "%T", dir], { encoding: "utf8" }).trim();

/** Whether some extent of `file` shares its blocks with another file (filefrag's "shared" flag). */
const sharesBlocks = (file: string): boolean => /\bshared\b/.test(execFileSync("filefrag", ["-v", file], { encoding: "utf8" }));

describe("The volume pool", () => {
  it("keeps the volumes in an XFS image where the data folder cannot share blocks: a copy shares the source's blocks", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sandpit-pool-"));
    try {
      expect(fsType(dir)).toBe("ext2/ext3");
      const pooled = new VolumeWorkspaces(dir, 64);
      expect(pooled.imagesOn).toBe("pool");
      expect(fsType(path.join(dir, "volumes"))).toBe("xfs");
      expect(statSync(path.join(dir, "volumes")).mode & 0o777).toBe(0o700);
      // It holds every workspace's blocks: the server's alone, whatever the data folder's mode.
      expect(statSync(path.join(dir, "volumes.xfs")).mode & 0o777).toBe(0o600);
      await pooled.create("src");
      execFileSync("dd", ["if=/dev/urandom", `of=${path.join(pooled.dir("src"), "data.bin")}`, "bs=1M", "count=16"], {
        stdio: "ignore",
      });
      await pooled.copy("src", "copy");
      // Reflinked: the copy's data blocks are the source's, not written again.
      expect(sharesBlocks(path.join(dir, "volumes", "copy.ext4"))).toBe(true);
      await pooled.open("copy");
      expect(statSync(path.join(pooled.dir("copy"), "data.bin")).size).toBe(16 * 1024 * 1024);
      expect(
        execFileSync("cmp", [path.join(pooled.dir("src"), "data.bin"), path.join(pooled.dir("copy"), "data.bin")], {
          encoding: "utf8",
        }),
      ).toBe("");

      // After a reboot (everything unmounted), the next start mounts the pool again, volumes and all.
      for (const mountPoint of mountsUnder(dir).sort((a, b) => b.length - a.length)) execFileSync("umount", [mountPoint]);
      expect(readdirSync(path.join(dir, "volumes"))).toEqual([]);
      // As an earlier version left it, readable to others: the next start makes it the server's again.
      chmodSync(path.join(dir, "volumes.xfs"), 0o644);
      const again = new VolumeWorkspaces(dir, 64, undefined, { pool: "off" });
      expect(again.imagesOn).toBe("pool");
      expect((await again.list()).sort()).toEqual(["copy", "src"]);
      expect(statSync(path.join(dir, "volumes.xfs")).mode & 0o777).toBe(0o600);
      await again.open("src");
      expect(statSync(path.join(again.dir("src"), "data.bin")).size).toBe(16 * 1024 * 1024);
    } finally {
      await removeDataDir(dir);
    }
  });

  it("clones a volume that is being written into copies that are whole filesystems, with all that was written before", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sandpit-pool-busy-"));
    try {
      const pooled = new VolumeWorkspaces(dir, 64);
      expect(pooled.imagesOn).toBe("pool");
      await pooled.create("src");
      const src = pooled.dir("src");
      writeFileSync(path.join(src, "before.txt"), "written before the copy\n");
      // A writer that keeps creating, appending to and deleting files while the copies are taken.
      const writer = spawn(
        "sh",
        ["-c", 'i=0; while :; do i=$((i+1)); echo "$i" >> log.txt; echo x > "f$i"; rm -f "f$((i-5))"; done'],
        {
          cwd: src,
          stdio: "ignore",
        },
      );
      try {
        const copies = ["c1", "c2", "c3", "c4", "c5"];
        for (const to of copies) await pooled.copy("src", to);
        for (const to of copies) {
          const into = await pooled.open(to);
          expect(readFileSync(path.join(into, "before.txt"), "utf8")).toBe("written before the copy\n");
          await pooled.remove(to).catch(() => undefined);
        }
        // Each copy is a consistent filesystem once its journal was replayed by its mount.
        await pooled.copy("src", "checked");
        const into = await pooled.open("checked");
        execFileSync("umount", [into]);
        execFileSync("e2fsck", ["-fn", path.join(dir, "volumes", "checked.ext4")], { stdio: "pipe" });
      } finally {
        writer.kill();
      }
    } finally {
      await removeDataDir(dir);
    }
  });

  it("copies in full, not by clone, a volume whose image is in many pieces", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sandpit-pool-frag-"));
    try {
      const pooled = new VolumeWorkspaces(dir, 64, undefined, { maxCloneExtents: 500 });
      await pooled.create("src");
      execFileSync("dd", ["if=/dev/urandom", `of=${path.join(pooled.dir("src"), "data.bin")}`, "bs=1M", "count=16"], {
        stdio: "ignore",
      });
      execFileSync("umount", [pooled.dir("src")]);
      const image = path.join(dir, "volumes", "src.ext4");
      await pooled.copy("src", "first");
      expect(sharesBlocks(path.join(dir, "volumes", "first.ext4"))).toBe(true);
      // As a session leaves it by rewriting every other block after a fork: each write (direct,
      // so none are merged) lands in a piece of its own.
      execFileSync("python3", [
        "-c",
        [
          "import mmap, os, sys",
          "fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)",
          "buf = mmap.mmap(-1, 4096)",
          "buf.write(os.urandom(4096))",
          "for i in range(0, 4096, 2): os.pwritev(fd, [buf], i * 4096)",
          "os.close(fd)",
        ].join("\n"),
        image,
      ]);
      const pieces = Number(/(\d+) extents? found/.exec(execFileSync("filefrag", [image], { encoding: "utf8" }))?.[1]);
      expect(pieces).toBeGreaterThan(500);
      await pooled.copy("src", "second");
      const copy = path.join(dir, "volumes", "second.ext4");
      expect(sharesBlocks(copy)).toBe(false);
      expect(execFileSync("cmp", [image, copy], { encoding: "utf8" })).toBe("");
      // A volume in few pieces is still cloned.
      await pooled.copy("first", "third");
      expect(sharesBlocks(path.join(dir, "volumes", "third.ext4"))).toBe(true);
    } finally {
      await removeDataDir(dir);
    }
  });

  it("is made once when two processes start on the same new data folder at the same moment", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sandpit-pool-twice-"));
    try {
      const script = [
        `import { prepareVolumePool } from ${JSON.stringify(path.join(process.cwd(), "server/sandbox/workspaces/store.ts"))};`,
        `while (Date.now() < ${Date.now() + 3_000}) {}`,
        `console.log(prepareVolumePool(${JSON.stringify(dir)}, "auto"));`,
      ].join("\n");
      const start = () =>
        new Promise<string>((resolve, reject) =>
          execFile("npx", ["tsx", "--conditions=react-server", "--eval", script], (error, stdout, stderr) =>
            error ? reject(new Error(stderr)) : resolve(stdout.trim()),
          ),
        );
      // Both wait for the same instant, then make (or find) the pool.
      expect(await Promise.all([start(), start()])).toEqual(["pool", "pool"]);
      expect(mountsUnder(dir)).toEqual([path.join(dir, "volumes")]);
      expect(readdirSync(dir).sort()).toEqual(["volumes", "volumes.xfs"]);
      const after = new VolumeWorkspaces(dir, 32);
      await after.create("a");
      expect(await after.list()).toEqual(["a"]);
    } finally {
      await removeDataDir(dir);
    }
  });

  it("is not made when turned off, nor for a data folder that already holds volumes outside a pool", async () => {
    const off = mkdtempSync(path.join(tmpdir(), "sandpit-pool-off-"));
    const kept = mkdtempSync(path.join(tmpdir(), "sandpit-pool-kept-"));
    try {
      const plain = new VolumeWorkspaces(off, 32, undefined, { pool: "off" });
      expect(plain.imagesOn).toBe("plain");
      await plain.create("a");
      // Copied in full while frozen: with what was written a moment before, and writable after.
      writeFileSync(path.join(plain.dir("a"), "fresh.txt"), "just written\n");
      await plain.copy("a", "b");
      writeFileSync(path.join(plain.dir("a"), "after.txt"), "later\n");
      expect(readFileSync(path.join(await plain.open("b"), "fresh.txt"), "utf8")).toBe("just written\n");
      expect(existsSync(path.join(off, "volumes.xfs"))).toBe(false);
      expect(sharesBlocks(path.join(off, "volumes", "b.ext4"))).toBe(false);
      // Volumes an earlier version made on the data folder's filesystem stay there, usable.
      mkdirSync(path.join(kept, "volumes"));
      execFileSync("cp", ["--sparse=always", path.join(off, "volumes", "a.ext4"), path.join(kept, "volumes", "a.ext4")]);
      const older = new VolumeWorkspaces(kept, 32);
      expect(older.imagesOn).toBe("plain");
      expect(existsSync(path.join(kept, "volumes.xfs"))).toBe(false);
      expect(await older.list()).toEqual(["a"]);
      // Once only blank volumes are left (every session hibernated), the next start makes the pool.
      await older.remove("a");
      writeFileSync(path.join(kept, "volumes", ".blank-x.ext4.partial"), "");
      const moved = new VolumeWorkspaces(kept, 32);
      expect(moved.imagesOn).toBe("pool");
      expect(readdirSync(path.join(kept, "volumes"))).toEqual([]);
    } finally {
      await removeDataDir(off);
      await removeDataDir(kept);
    }
  });
});
