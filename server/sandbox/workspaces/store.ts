import "server-only";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { chmod, mkdir, open, readdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { hostCommand } from "@/server/util/host-commands";
import type { HelperContainers } from "../engine/helper";
import { makeSandboxDir, SANDBOX_GID, SANDBOX_UID } from "./sandbox-user";

/**
 * The workspaces of the sessions on this host. Each is a host folder mounted at `/workspace` in
 * the session's sandbox; `dir(id)` is that folder. A workspace appears under its final name only
 * when complete (created, restored or copied), so a crash never leaves a half-made one in use.
 * The host never reads or writes the files in a workspace: they are archived and unpacked inside
 * the session's sandbox, copied at block level or in a helper container, and removed only once no
 * container of the session runs.
 */
export interface Workspaces {
  /** How the size of a workspace is bounded: a filesystem of its own, or not at all. */
  readonly kind: "volume" | "folder";
  /** The size a workspace can reach, in MiB, or null when nothing bounds it. */
  readonly sizeMb: number | null;
  dir(id: string): string;
  /** Whether the session has a workspace on this host. */
  exists(id: string): boolean;
  /** Makes the workspace usable (mounted after a host restart) and returns its folder. */
  open(id: string): Promise<string>;
  create(id: string): Promise<void>;
  /**
   * Makes an empty workspace under a temporary name and has `fill` fill it (a sandbox started on
   * that folder unpacks a snapshot); it gets its final name only when `fill` succeeded. `fill`
   * removes what it started before it fails.
   */
  restore(id: string, fill: (dir: string) => Promise<void>): Promise<void>;
  /**
   * A copy of `from` as `to` (a fork), made without the host reading the workspace's files: the
   * sensitive files are still in it and are deleted inside the fork's sandbox (see scrubCommand).
   * The caller keeps `from` from being mounted or removed meanwhile (the session's lock).
   */
  copy(from: string, to: string): Promise<void>;
  /**
   * Copies of `from` as each of `targets`, as `copy` makes them, taken together (a class joining at
   * once): a volume is frozen once for all of them. One result per target, in order.
   */
  copyAll(from: string, targets: string[]): Promise<PromiseSettledResult<void>[]>;
  /**
   * An empty workspace under a temporary name, for a sandbox started before its session is known
   * (the warm pool). Its folder is what the sandbox mounts; `recover` clears slots nobody claimed.
   */
  makeSlot(): Promise<{ name: string; dir: string; holder?: string }>;
  /**
   * Makes a slot the workspace of `id` (which has none), without unmounting it from the sandbox
   * that uses it: only host-owned names change, nothing inside is opened.
   */
  claimSlot(name: string, id: string): Promise<void>;
  /**
   * Makes the copy of `id` (see copy) the workspace of the warm sandbox that uses slot `name`,
   * which keeps running: the copy is mounted at the session's folder and beneath the slot's
   * holder, from where the sandbox's driver takes it (SandboxDriver.takeForkWorkspace). The slot's
   * own blank volume stays beneath until `release`. Volumes only.
   */
  forkIntoSlot?(name: string, id: string): Promise<void>;
  /** Unmounts what a slot claimed for `id` by forkIntoSlot left, once no container of `id` runs. */
  release(id: string): Promise<void>;
  removeSlot(name: string): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<string[]>;
  /** Clears what an interrupted create, restore or copy left behind; run at start-up. */
  recover(): Promise<number>;
}

/** The names of workspaces made for the warm pool before their session is known. */
const SLOT_PREFIX = ".slot-";

/** The temporary names copies and restores fill before renaming into place. */
const TEMP_PREFIXES = [".restore-", ".copy-", SLOT_PREFIX];
const isTemp = (name: string): boolean => TEMP_PREFIXES.some((prefix) => name.startsWith(prefix));

/** How long a copy of a workspace may take. */
const COPY_TIMEOUT_MS = 10 * 60_000;
/**
 * Extents past which a volume's image is copied in full rather than cloned: a clone of 102,412
 * extents took 1.7 s here (14 ms fresh), a full copy of a well-filled 1 GiB volume well under that.
 */
const MAX_CLONE_EXTENTS = 20_000;
/** Fork images copied at once from one frozen source (they share its page cache). */
const COPY_PARALLEL = 4;

/** Workspaces as plain folders: simple and unprivileged, but a session can fill the host's disk. */
export class FolderWorkspaces implements Workspaces {
  readonly kind = "folder";
  readonly sizeMb = null;
  private readonly root: string;

  /** `helper` copies workspaces (forks); without it, forks of live workspaces are refused. */
  constructor(
    dataDir: string,
    private readonly helper?: HelperContainers,
  ) {
    this.root = path.join(dataDir, "workspaces");
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  exists(id: string): boolean {
    return existsSync(this.dir(id));
  }

  open(id: string): Promise<string> {
    return Promise.resolve(this.dir(id));
  }

  async create(id: string): Promise<void> {
    await makePrivateDir(this.root);
    await makeSandboxDir(this.dir(id));
  }

  async restore(id: string, fill: (dir: string) => Promise<void>): Promise<void> {
    const temp = path.join(this.root, `.restore-${randomUUID()}`);
    await makePrivateDir(this.root);
    await makeSandboxDir(temp);
    try {
      await fill(temp);
      await rename(temp, this.dir(id));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Copied by `cp -a` in a helper container that mounts only the two folders (the source
   * read-only), as the sandbox user: a symlink swapped in by the source's sandbox leads nowhere
   * but into that container. The copy gets its final name only when complete.
   */
  async copy(from: string, to: string): Promise<void> {
    if (!this.helper) throw new Error("folder workspaces need helper containers to copy a workspace");
    const temp = path.join(this.root, `.copy-${randomUUID()}`);
    await makePrivateDir(this.root);
    await makeSandboxDir(temp);
    try {
      await this.helper.run({
        sessionId: to,
        mounts: [
          { source: this.dir(from), target: "/src", readOnly: true },
          { source: temp, target: "/dst", readOnly: false },
        ],
        cmd: ["cp", "-a", "--", "/src/.", "/dst/"],
        timeoutMs: COPY_TIMEOUT_MS,
      });
      await rename(temp, this.dir(to));
    } catch (error) {
      // The helper is gone: nothing writes the temporary folder any more.
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  async copyAll(from: string, targets: string[]): Promise<PromiseSettledResult<void>[]> {
    const results: PromiseSettledResult<void>[] = [];
    for (const to of targets) results.push(...(await Promise.allSettled([this.copy(from, to)])));
    return results;
  }

  async makeSlot(): Promise<{ name: string; dir: string }> {
    const name = `${SLOT_PREFIX}${randomUUID()}`;
    await makePrivateDir(this.root);
    await makeSandboxDir(this.dir(name));
    return { name, dir: this.dir(name) };
  }

  /** The folder is renamed: the sandbox's mount follows it. */
  async claimSlot(name: string, id: string): Promise<void> {
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`not a workspace slot: ${name}`);
    if (this.exists(id)) throw new Error(`the session ${id} has a workspace already`);
    await rename(this.dir(name), this.dir(id));
  }

  async removeSlot(name: string): Promise<void> {
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`not a workspace slot: ${name}`);
    await this.remove(name);
  }

  /** Folders are renamed when claimed: nothing is left to release. */
  release(): Promise<void> {
    return Promise.resolve();
  }

  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    return (await readdir(this.root).catch(() => [])).filter((name) => !isTemp(name));
  }

  async recover(): Promise<number> {
    const stale = (await readdir(this.root).catch(() => [])).filter(isTemp);
    for (const name of stale) await rm(path.join(this.root, name), { recursive: true, force: true });
    return stale.length;
  }
}

/**
 * Workspaces as filesystems of their own: one sparse ext4 image per session, loop-mounted
 * (nosuid, nodev) at the session's folder. Filling `/workspace` ends in "No space left on device"
 * at `sizeMb` instead of filling the host's disk; deleted files give their space back (discard).
 * Needs root (mount) on the host.
 */
export class VolumeWorkspaces implements Workspaces {
  readonly kind = "volume";
  private readonly blanks: string[] = [];
  private filling: Promise<void> | undefined;
  private readonly root: string;
  private readonly images: string;
  /** The warm slots' holder folders (see makeSlot), under one shared mount. */
  private readonly slots: string;
  private slotsShared: Promise<void> | undefined;

  /** What the volumes' folder is on (see prepareVolumePool). */
  readonly imagesOn: VolumesOn;
  /** Source images with more extents than this are copied in full, not cloned (see copyAll). */
  private readonly maxCloneExtents: number;

  constructor(
    dataDir: string,
    readonly sizeMb: number,
    private readonly log?: Logger,
    options: { pool?: "auto" | "off"; maxCloneExtents?: number } = {},
  ) {
    this.root = path.join(dataDir, "workspaces");
    this.images = path.join(dataDir, "volumes");
    this.slots = path.join(dataDir, "slots");
    this.imagesOn = prepareVolumePool(dataDir, options.pool ?? "auto", log);
    this.maxCloneExtents = options.maxCloneExtents ?? MAX_CLONE_EXTENTS;
  }

  /** Whether this host can mount workspace volumes: root, with loop devices, mkfs.ext4 and debugfs. */
  static supported(): boolean {
    supportedHere ??=
      process.platform === "linux" &&
      process.getuid?.() === 0 &&
      existsSync("/dev/loop-control") &&
      ["mkfs.ext4", "debugfs"].every(hasTool) &&
      canMount();
    return supportedHere;
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  private image(id: string): string {
    return path.join(this.images, `${id}.ext4`);
  }

  exists(id: string): boolean {
    return existsSync(this.image(id));
  }

  async open(id: string): Promise<string> {
    const dir = this.dir(id);
    if (!isMountPoint(dir)) {
      await makePrivateDir(this.root);
      await mkdir(dir, { recursive: true });
      await mount(this.image(id), dir);
    }
    return dir;
  }

  async create(id: string): Promise<void> {
    await this.build(id, () => Promise.resolve());
  }

  async restore(id: string, fill: (dir: string) => Promise<void>): Promise<void> {
    await this.build(id, fill);
  }

  /**
   * Copied at block level. Where images share blocks (see VolumesOn), a mounted source's data is
   * flushed (syncfs at its mount point, which its sandbox cannot replace) and its image cloned at
   * once: the clone is the image as a power cut at that instant would leave it, with everything
   * written before the flush, which the journal makes whole when the copy is mounted. Elsewhere
   * the source is frozen (its writers wait) while its image is copied in full. Only host-owned
   * paths are opened; the copy is mounted when its session first starts.
   */
  async copy(from: string, to: string): Promise<void> {
    const [outcome] = await this.copyAll(from, [to]);
    if (outcome?.status === "rejected") throw outcome.reason;
  }

  async copyAll(from: string, targets: string[]): Promise<PromiseSettledResult<void>[]> {
    await mkdir(this.images, { recursive: true, mode: 0o700 });
    const partials = targets.map((to) => `${this.image(to)}.${randomUUID().slice(0, 8)}.partial`);
    const mountPoint = this.dir(from);
    const mounted = isMountPoint(mountPoint);
    const copied: PromiseSettledResult<void>[] = [];
    // A clone costs time in proportion to the source image's extents, which its session can
    // multiply (rewriting every other block after a fork): past a bound, it is copied in full.
    const extents = this.imagesOn === "plain" ? 0 : await extentsOf(this.image(from));
    if (extents > this.maxCloneExtents)
      this.log?.info({ from, extents }, "workspace volume too fragmented to clone: copied in full");
    if (this.imagesOn !== "plain" && partials.length > 0 && extents <= this.maxCloneExtents) {
      if (mounted) await hostCommand("sync", ["--file-system", "--", mountPoint]);
      const [first, ...rest] = partials as [string, ...string[]];
      const cloned = await hostCommand("cp", ["--reflink=always", "--", this.image(from), first]).then(
        () => true,
        () => false,
      );
      if (cloned) {
        // The others from the first, which nothing writes: every fork gets the same instant.
        copied.push({ status: "fulfilled", value: undefined });
        const clone = (partial: string) => hostCommand("cp", ["--reflink=always", "--", first, partial]).then(() => undefined);
        copied.push(...(await Promise.allSettled(rest.map(clone))));
        return this.named(targets, partials, copied);
      }
      await rm(first, { force: true });
      this.log?.warn({ from }, "could not clone a workspace volume: copied in full instead");
    }
    let frozen = false;
    try {
      // Inside the try: a freeze that took effect but was not answered (its runner ended) is undone too.
      if (mounted) await hostCommand("fsfreeze", ["--freeze", mountPoint]);
      frozen = mounted;
      // One image file read by several copies at once: the pages read once serve them all.
      for (let i = 0; i < partials.length; i += COPY_PARALLEL) {
        const batch = partials.slice(i, i + COPY_PARALLEL);
        copied.push(
          ...(await Promise.allSettled(
            batch.map(async (partial) => {
              // Where images share blocks, copying in full is what is asked for here (see above).
              const reflink = this.imagesOn === "plain" ? "--reflink=auto" : "--reflink=never";
              await hostCommand("cp", ["--sparse=always", reflink, "--", this.image(from), partial]);
            }),
          )),
        );
      }
    } finally {
      // One that failed to freeze may not be frozen: then the unfreeze's own failure says nothing.
      if (mounted)
        await hostCommand("fsfreeze", ["--unfreeze", mountPoint]).catch((error: unknown) => {
          if (frozen) throw error;
        });
    }
    return this.named(targets, partials, copied);
  }

  /** Each copied partial takes its target's name; a failed one is removed. */
  private named(
    targets: string[],
    partials: string[],
    copied: PromiseSettledResult<void>[],
  ): Promise<PromiseSettledResult<void>[]> {
    return Promise.all(
      targets.map(async (to, i): Promise<PromiseSettledResult<void>> => {
        const partial = partials[i] as string;
        try {
          if (copied[i]?.status === "rejected") throw copied[i].reason;
          await rename(partial, this.image(to));
          return { status: "fulfilled", value: undefined };
        } catch (error) {
          await rm(partial, { force: true });
          return { status: "rejected", reason: error };
        }
      }),
    );
  }

  /**
   * The slots' folder as a shared mount of its own (once per host boot; kept across restarts), so
   * that what is mounted beneath a holder reaches the sandboxes that mount it with rslave.
   */
  private shareSlots(): Promise<void> {
    this.slotsShared ??= (async () => {
      await makePrivateDir(this.slots);
      // Bound over itself: the same device as its parent, so only the mount table tells.
      if (!(await mountPointsUnder(this.slots, true)).includes(this.slots)) {
        await hostCommand("mount", ["--bind", this.slots, this.slots]);
      }
      await hostCommand("mount", ["--make-shared", this.slots]);
    })().catch((error: unknown) => {
      this.slotsShared = undefined;
      throw error;
    });
    return this.slotsShared;
  }

  private holder(name: string): string {
    return path.join(this.slots, name);
  }

  /**
   * A blank volume mounted at `ws` in the slot's holder folder (root's, 0711, beneath the shared
   * slots mount); the sandbox mounts `ws` as /workspace and the holder at SLOT_MOUNT. Its image
   * keeps a partial name until claimed.
   */
  async makeSlot(): Promise<{ name: string; dir: string; holder: string }> {
    const name = `${SLOT_PREFIX}${randomUUID()}`;
    const holder = this.holder(name);
    const dir = path.join(holder, "ws");
    const image = this.slotImage(name);
    try {
      await this.shareSlots();
      // Root's; others may pass through (the sandbox user reaches `fork` by name), not list or add.
      await mkdir(holder, { mode: 0o711 });
      await mkdir(dir);
      await mkdir(path.join(holder, "fork"));
      await this.takeBlank(image);
      await mount(image, dir);
    } catch (error) {
      await this.removeSlot(name).catch(() => undefined);
      throw error;
    }
    return { name, dir, holder };
  }

  /**
   * The slot's filesystem is bound at the session's folder and its own mount dropped (the
   * sandbox keeps its mount of the same filesystem); the image takes its final name last, so a
   * crash before that leaves a slot that `recover` clears.
   */
  async claimSlot(name: string, id: string): Promise<void> {
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`not a workspace slot: ${name}`);
    if (this.exists(id)) throw new Error(`the session ${id} has a workspace already`);
    const slotDir = path.join(this.holder(name), "ws");
    const dir = this.dir(id);
    if (isMountPoint(dir)) await unmount(dir);
    await makePrivateDir(this.root);
    await mkdir(dir, { recursive: true });
    await hostCommand("mount", ["--bind", slotDir, dir]);
    await this.clearHolder(this.holder(name));
    await rename(this.slotImage(name), this.image(id));
  }

  /**
   * The copy's volume is mounted at the session's folder, then bound beneath the holder twice: at
   * `fork` (gVisor binds it over /workspace from there) and over `ws` (which runc shows at
   * /workspace at once). The holder takes the session's name, so `release` finds it.
   */
  async forkIntoSlot(name: string, id: string): Promise<void> {
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`not a workspace slot: ${name}`);
    if (!this.exists(id)) throw new Error(`the session ${id} has no copy to take`);
    const holder = this.holder(name);
    const dir = await this.open(id);
    await Promise.all(["fork", "ws"].map((sub) => hostCommand("mount", ["--bind", dir, path.join(holder, sub)])));
    await this.release(id);
    await rename(holder, this.holder(id));
    await rename(this.slotImage(name), this.heldImage(id));
  }

  async release(id: string): Promise<void> {
    await this.clearHolder(this.holder(id));
    await rm(this.heldImage(id), { force: true });
  }

  /** Unmounts everything beneath a holder (stacked mounts included), then removes its folders. */
  private async clearHolder(holder: string): Promise<void> {
    for (const sub of ["ws", "fork"]) {
      const dir = path.join(holder, sub);
      for (let i = 0; i < 4 && isMountPoint(dir); i++) await unmount(dir);
      await rmdir(dir).catch(ignoreMissing);
    }
    await rmdir(holder).catch(ignoreMissing);
  }

  async removeSlot(name: string): Promise<void> {
    if (!name.startsWith(SLOT_PREFIX)) throw new Error(`not a workspace slot: ${name}`);
    await this.clearHolder(this.holder(name));
    await rm(this.slotImage(name), { force: true });
  }

  private slotImage(name: string): string {
    return path.join(this.images, `${name}.ext4.partial`);
  }

  /** A claimed slot's blank volume, beneath a fork's until `release`. */
  private heldImage(id: string): string {
    return path.join(this.images, `${id}.held.partial`);
  }

  async remove(id: string): Promise<void> {
    await this.release(id);
    const dir = this.dir(id);
    if (isMountPoint(dir)) await unmount(dir);
    await rm(dir, { recursive: true, force: true });
    await rm(this.image(id), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.images).catch(() => []);
    return names.filter((name) => name.endsWith(".ext4")).map((name) => name.slice(0, -".ext4".length));
  }

  async recover(): Promise<number> {
    let cleared = 0;
    for (const mountPoint of await mountPointsUnder(this.root)) {
      // A copy interrupted by a crash leaves its source frozen; one that is not frozen refuses.
      await hostCommand("fsfreeze", ["--unfreeze", mountPoint]).catch(() => undefined);
      // A volume mounted at its folder but never completed has no final image: it is unmounted.
      const name = path.basename(mountPoint);
      if (isTemp(name) || !this.exists(name)) {
        await unmount(mountPoint);
        await rm(mountPoint, { recursive: true, force: true });
        cleared += 1;
      }
    }
    for (const name of (await readdir(this.root).catch(() => [])).filter(isTemp)) {
      await rm(path.join(this.root, name), { recursive: true, force: true });
      cleared += 1;
    }
    // Warm slots nobody claimed go (their containers are gone); a fork's holder stays while its
    // session has a workspace (its adopted sandbox may still use it).
    for (const name of await readdir(this.slots).catch(() => [])) {
      if (!isTemp(name) && this.exists(name)) continue;
      await this.clearHolder(this.holder(name));
      cleared += 1;
    }
    const held = new Set((await readdir(this.slots).catch(() => [])).map((name) => `${name}.held.partial`));
    // Blank volumes are made again on demand; partial ones are what an interrupted build left.
    this.blanks.length = 0;
    for (const name of await readdir(this.images).catch(() => [])) {
      if (held.has(name)) continue;
      if (name.endsWith(".partial")) {
        await rm(path.join(this.images, name), { force: true });
        if (!name.startsWith(".blank-")) cleared += 1;
      }
    }
    if (cleared > 0) this.log?.info({ cleared }, "cleared interrupted workspace volumes");
    return cleared;
  }

  /** Moves a blank volume to `target`: a ready one when there is one, else one made now. */
  private async takeBlank(target: string): Promise<void> {
    const ready = this.blanks.shift();
    this.refill();
    if (ready) {
      try {
        await rename(ready, target);
        return;
      } catch {
        // gone (cleared by a recovery): make one
      }
    }
    await this.makeBlank(target);
  }

  private refill(): void {
    if (this.filling) return;
    this.filling = (async () => {
      while (this.blanks.length < BLANKS) {
        const file = path.join(this.images, `.blank-${randomUUID()}.ext4.partial`);
        await this.makeBlank(file);
        this.blanks.push(file);
      }
    })()
      .catch((error: unknown) => this.log?.warn({ err: error }, "could not prepare a blank workspace volume"))
      .finally(() => (this.filling = undefined));
  }

  private async makeBlank(file: string): Promise<void> {
    await mkdir(this.images, { recursive: true, mode: 0o700 });
    await makeVolume(file, this.sizeMb);
  }

  /**
   * Makes a fresh volume under a partial name, mounts it at the session's folder and fills it
   * through `fill`; only then does the image get its final name (which is what `exists` sees).
   * Nothing is unmounted and mounted again, so the data is not flushed twice. On failure nothing
   * is left; after a crash, `recover` unmounts a volume that never got its final name.
   */
  private async build(id: string, fill: (dir: string) => Promise<void>): Promise<void> {
    const partial = `${this.image(id)}.${randomUUID().slice(0, 8)}.partial`;
    const dir = this.dir(id);
    if (isMountPoint(dir)) await unmount(dir);
    await makePrivateDir(this.root);
    await mkdir(dir, { recursive: true });
    try {
      await this.takeBlank(partial);
      await mount(partial, dir);
      await fill(dir);
      await rename(partial, this.image(id));
    } catch (error) {
      if (isMountPoint(dir)) await unmount(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      await rm(partial, { force: true });
      throw error;
    }
  }
}

let supportedHere: boolean | undefined;

/**
 * Root in a container without loop devices, or a kernel without ext4, passes the other checks
 * but cannot mount: a tiny volume is made and mounted once per process to be sure.
 */
function canMount(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "sandpit-volume-probe-"));
  const image = path.join(dir, "probe.ext4");
  const target = path.join(dir, "mnt");
  try {
    execFileSync("truncate", ["-s", "16M", image]);
    execFileSync("mkfs.ext4", ["-q", "-F", image], { stdio: "ignore" });
    mkdirSync(target);
    execFileSync("mount", ["-o", "loop,nosuid,nodev", image, target], { stdio: "ignore" });
    execFileSync("umount", [target], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What holds the volumes' images: a filesystem whose files can share blocks (`reflink`: the data
 * folder's own, or `pool`: an XFS image of the server's), so that a fork's copy costs a few
 * milliseconds whatever its size, or one that cannot (`plain`: each copy is written in full, and
 * the kernel writes its pages out again when the copy is mounted).
 */
export type VolumesOn = "pool" | "reflink" | "plain";

/**
 * Where the data folder's filesystem cannot share blocks between files (ext4), the volumes live in
 * one sparse XFS image, `<data>/volumes.xfs`, mounted at `<data>/volumes` (nosuid, nodev, noexec)
 * and as big as the data folder's filesystem: it takes room only for what it holds, and gives back
 * what is deleted (discard). Only the server writes it; sandboxes see the ext4 volumes in it, never
 * the pool. A data folder that already holds volumes outside a pool keeps them where they are.
 * Runs once, when the server starts, before any volume is used.
 */
export function prepareVolumePool(dataDir: string, pool: "auto" | "off", log?: Logger): VolumesOn {
  const images = path.join(dataDir, "volumes");
  const image = path.join(dataDir, "volumes.xfs");
  mkdirSync(dataDir, { recursive: true });
  if (isMountPoint(images)) return "pool";
  // Made by an earlier start: mounted again (after a reboot) whatever `pool` says, or its volumes are lost.
  if (existsSync(image)) {
    mountPool(image, images);
    return "pool";
  }
  if (canReflink(dataDir)) return "reflink";
  if (pool === "off") return "plain";
  const present = existsSync(images) ? readdirSync(images) : [];
  if (present.some((name) => !name.endsWith(".partial"))) {
    log?.info({ images }, "workspace volumes stay on the data folder's filesystem, which copies forks in full");
    return "plain";
  }
  if (!hasTool("mkfs.xfs")) {
    log?.info("mkfs.xfs is missing (xfsprogs): forks copy workspace volumes in full");
    return "plain";
  }
  // Its own name: a second process starting on the same folder makes its own, and only one is linked in.
  const partial = `${image}.${randomUUID().slice(0, 8)}.partial`;
  try {
    const fs = statfsSync(dataDir);
    // The server's alone, as each volume is (the pool holds every workspace's blocks).
    const fd = openSync(partial, "wx", 0o600);
    try {
      ftruncateSync(fd, fs.blocks * fs.bsize);
    } finally {
      closeSync(fd);
    }
    execFileSync("mkfs.xfs", ["-q", "-f", "-m", "reflink=1", "-L", "sandpit-vols", partial], { stdio: "pipe" });
    try {
      linkSync(partial, image);
    } catch (error) {
      // Another process made the pool meanwhile: that one is used.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    rmSync(partial, { force: true });
    // Only blank or unfinished volumes (made again on demand): they would lie hidden beneath the pool.
    for (const name of present) rmSync(path.join(images, name), { force: true });
  } catch (error) {
    rmSync(partial, { force: true });
    log?.warn({ err: error }, "could not make the workspace volume pool: forks copy workspace volumes in full");
    return "plain";
  }
  mountPool(image, images);
  return "pool";
}

function mountPool(image: string, images: string): void {
  mkdirSync(images, { recursive: true, mode: 0o700 });
  // Also an image an earlier version made readable to others.
  chmodSync(image, 0o600);
  if (isMountPoint(images)) return;
  try {
    execFileSync("mount", ["-t", "xfs", "-o", "loop,nosuid,nodev,noexec,discard", image, images], { stdio: "pipe" });
  } catch (error) {
    // Being mounted by another process starting on the same folder at the same moment (XFS
    // refuses a second mount of one filesystem): its mount shows within moments.
    if (waitUntil(() => isMountPoint(images), 10_000)) return;
    const said = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `could not mount the workspace volume pool ${image} at ${images}: ${said || String(error)} (xfs_repair ${image} may fix it)`,
    );
  }
  chmodSync(images, 0o700);
}

/** Checks `done` every 50 ms (blocking: for start-up only) until it holds or `ms` passed. */
function waitUntil(done: () => boolean, ms: number): boolean {
  const deadline = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!done()) {
    if (Date.now() > deadline) return false;
    Atomics.wait(pause, 0, 0, 50);
  }
  return true;
}

/** Whether files in `dir` can share blocks (cp --reflink=always succeeds there). */
function canReflink(dir: string): boolean {
  const probe = mkdtempSync(path.join(dir, ".reflink-probe-"));
  try {
    writeFileSync(path.join(probe, "a"), "probe");
    execFileSync("cp", ["--reflink=always", "--", path.join(probe, "a"), path.join(probe, "b")], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** How many extents an image file has (filefrag, which reads the map and nothing else of it). */
async function extentsOf(file: string): Promise<number> {
  const { stdout } = await hostCommand("filefrag", ["--", file]);
  const found = /: (\d+) extents? found/.exec(stdout);
  if (!found) throw new Error(`filefrag said nothing of ${file}: ${stdout}`);
  return Number(found[1]);
}

/** Whether a system tool is installed (in the sbin and bin folders, whatever PATH says). */
export function hasTool(name: string): boolean {
  return ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].some((dir) => existsSync(path.join(dir, name)));
}

/** Blank volumes kept ready, so that a new workspace costs one mount. */
const BLANKS = 2;

/** A sparse image of `sizeMb` with an empty ext4 filesystem whose root the sandbox user owns. */
export async function makeVolume(file: string, sizeMb: number): Promise<void> {
  try {
    const handle = await open(file, "wx", 0o600);
    await handle.truncate(sizeMb * 1024 * 1024).finally(() => handle.close());
    await hostCommand("mkfs.ext4", [
      "-q",
      "-F",
      "-m",
      "0",
      "-L",
      "sandpit",
      "-E",
      `root_owner=${SANDBOX_UID}:${SANDBOX_GID},lazy_itable_init=1,lazy_journal_init=1,nodiscard`,
      file,
    ]);
    // An empty volume shows nothing, not even lost+found (e2fsck recreates it when needed).
    await hostCommand("debugfs", ["-w", "-R", "rmdir lost+found", file]);
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

/**
 * The folder that holds the workspaces is the server's alone: a setuid file sandbox code makes in
 * its workspace is out of reach of the host's other users (containers mount workspaces directly).
 */
async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** A folder is a mount point when it lives on another device than its parent. */
export function isMountPoint(dir: string): boolean {
  try {
    return statSync(dir).dev !== statSync(path.dirname(dir)).dev;
  } catch (error) {
    // Only a missing folder is "not mounted"; any other failure must not pass for it.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

export async function mount(image: string, dir: string): Promise<void> {
  await hostCommand("mount", ["-o", "loop,nosuid,nodev,noatime,discard", image, dir]);
}

/**
 * Unmounts; a volume still held by a process is detached lazily (freed when released). Done when the
 * folder is no longer a mount point, also when another clean-up unmounted it first.
 */
export async function unmount(dir: string): Promise<void> {
  try {
    await hostCommand("umount", [dir]);
  } catch {
    try {
      await hostCommand("umount", ["-l", dir]);
    } catch (error) {
      if (isMountPoint(dir)) throw error;
    }
  }
}

async function mountPointsUnder(root: string, exact = false): Promise<string[]> {
  const mounts = await readFile("/proc/self/mounts", "utf8").catch(() => "");
  return mounts
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " ") ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${root}/`) || (exact && mountPoint === root));
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

/** The workspaces a host uses: volumes when asked or (auto) when the host can mount them. */
export function createWorkspaces(
  dataDir: string,
  options: { quota: "auto" | "volume" | "folder"; pool?: "auto" | "off"; sizeMb: number; helper?: HelperContainers },
  log?: Logger,
): Workspaces {
  if (options.quota !== "folder" && VolumeWorkspaces.supported()) {
    return new VolumeWorkspaces(dataDir, options.sizeMb, log, { pool: options.pool });
  }
  if (options.quota === "volume") {
    throw new Error("SANDPIT_WORKSPACE_QUOTA=volume needs root, loop devices, mkfs.ext4 and debugfs (e2fsprogs) on this host");
  }
  log?.warn("workspaces are plain folders: a session can fill the host's disk (run as root for volumes)");
  return new FolderWorkspaces(dataDir, options.helper);
}
