import "server-only";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { chmod, lstat, mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import type { Logger } from "pino";
import type { HelperContainers } from "@/server/sandbox/engine/helper";
import { KeyedLock } from "@/server/util/keyed-lock";
import { makeSandboxDir } from "@/server/sandbox/workspaces/sandbox-user";
import type { ObjectStore } from "@/server/storage/object-store";

const execFileAsync = promisify(execFile);

/** How long unpacking one layer may take. */
const UNPACK_TIMEOUT_MS = 10 * 60_000;

/**
 * Gives everything under `dir` to root, lets everyone read and run what its owner could, and takes
 * away what others could write, and setuid bits.
 * A sandbox that escapes a read-only mount's flags (a user namespace in gVisor can remount a bind
 * mount read-write, where Linux would lock the flag) still cannot change a layer it shares with
 * other sessions: nothing in it belongs to the sandbox user. Symbolic links are neither followed
 * nor changed; it runs in a helper container, where nothing but the layer is mounted.
 */
function sealCommand(dir: string): string {
  // go=u: what the sandbox user could read or run as the owner, it still can as another.
  return `chown -R -h 0:0 ${dir} && chmod -R u-s,g-s,go=u,go-w ${dir}`;
}
const SEAL_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER"] as const;

/** Temporary names beside the layers: downloads, unpacks and copies under way. */
const isTemp = (name: string): boolean => /^\.(download|unpack|adopt)-/.test(name);

/**
 * Layers unpacked on this host, each fetched and unpacked once, then shared read-only by every
 * sandbox that uses it. A folder appears under its final name only when it is complete. The cache's
 * folder is the server's alone (0700): setuid files a setup left in a layer are out of reach of
 * other users of the host.
 */
export class LayerCache {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly root: string,
    private readonly store: ObjectStore,
    private readonly log: Logger,
    /** Unpacks downloaded layers, so that the host never unpacks an archive it did not just make. */
    private readonly helper?: HelperContainers,
  ) {}

  dirOf(key: string): string {
    return path.join(this.root, path.basename(key, ".tar.gz"));
  }

  private async makeRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
  }

  /**
   * The host folder of a layer, fetched from the object store the first time. The archive is
   * unpacked by GNU tar in a helper container (sparse files stay sparse; names and links in the
   * archive reach nothing outside the new folder) and sealed there: root's, read-only to others.
   */
  async ensure(key: string): Promise<string> {
    const dir = this.dirOf(key);
    if (existsSync(dir)) return dir;
    return this.lock.run(key, async () => {
      if (existsSync(dir)) return dir;
      if (!this.helper) throw new Error("the layer cache needs helper containers to unpack a layer");
      await this.makeRoot();
      const started = Date.now();
      const id = randomUUID();
      const download = path.join(this.root, `.download-${id}.tar.gz`);
      const unpack = path.join(this.root, `.unpack-${id}`);
      try {
        await pipeline(await this.store.get(key), createWriteStream(download, { flags: "wx", mode: 0o644 }));
        await makeSandboxDir(unpack);
        await this.helper.run({
          sessionId: `layer-${path.basename(dir)}`,
          mounts: [
            { source: download, target: "/in/layer.tar.gz", readOnly: true },
            { source: unpack, target: "/out", readOnly: false },
          ],
          cmd: [
            "sh",
            "-c",
            `tar -xzf /in/layer.tar.gz -C /out --no-same-owner --delay-directory-restore && ${sealCommand("/out")}`,
          ],
          rootWith: [...SEAL_CAPABILITIES],
          timeoutMs: UNPACK_TIMEOUT_MS,
        });
        await rename(unpack, dir);
      } finally {
        await rm(download, { force: true });
        // Left only when the unpack failed: what the archive held is removed in a helper too.
        await this.removeTree(unpack);
      }
      this.log.info({ key, ms: Date.now() - started }, "layer unpacked into the host cache");
      return dir;
    });
  }

  /** Seals a layer's folder (see sealCommand) in a helper container. */
  private async seal(folder: string, label: string): Promise<void> {
    if (!this.helper) throw new Error("the layer cache needs helper containers to seal a layer");
    await this.helper.run({
      sessionId: `layer-${label}`,
      mounts: [{ source: folder, target: "/layer", readOnly: false }],
      cmd: ["sh", "-c", sealCommand("/layer")],
      rootWith: [...SEAL_CAPABILITIES],
      timeoutMs: UNPACK_TIMEOUT_MS,
    });
  }

  /**
   * Adopts a folder a setup just produced on this host, so it is not downloaded again. The setup's
   * container is gone by now: nothing but the host writes the folder. It is sealed before it
   * takes its name, so no sandbox ever mounts it unsealed.
   */
  async adopt(key: string, folder: string): Promise<string> {
    const dir = this.dirOf(key);
    return this.lock.run(key, async () => {
      await this.makeRoot();
      if (existsSync(dir)) {
        await this.removeTree(folder);
        return dir;
      }
      await this.seal(folder, path.basename(dir));
      try {
        await rename(folder, dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
        // Made on a volume of its own: copied beside the cache, then renamed into place.
        const temp = path.join(this.root, `.adopt-${randomUUID()}`);
        try {
          await execFileAsync("cp", ["-a", "--sparse=always", "--", folder, temp]);
          await rename(temp, dir);
        } finally {
          await rm(temp, { recursive: true, force: true });
        }
      }
      return dir;
    });
  }

  /**
   * Clears what an interrupted download, unpack or copy left behind, and drops the layers an
   * earlier version left to the sandbox user (sessions of that version could write them: sealing
   * would keep what they wrote); they are fetched from the object store again, whose archive was
   * made before any session mounted them. Run at start-up, once no container mounts a layer.
   */
  async recover(): Promise<number> {
    const names = await readdir(this.root).catch(() => []);
    const stale = names.filter(isTemp);
    for (const name of stale) await this.removeTree(path.join(this.root, name));
    if (process.getuid?.() === 0) {
      for (const name of names.filter((n) => !isTemp(n))) {
        const dir = path.join(this.root, name);
        const info = await lstat(dir).catch(() => undefined);
        if (!info?.isDirectory() || info.uid === 0) continue;
        await this.lock.run(this.keyOf(name), async () => {
          // Out of the way at once (nothing mounts it under its old name), then removed.
          const doomed = path.join(this.root, `.unpack-${randomUUID()}`);
          await rename(dir, doomed);
          await this.removeTree(doomed);
        });
        this.log.info(
          { layer: name },
          "dropped a layer an earlier version left to the sandbox user; it is fetched again when used",
        );
      }
    }
    return stale.length;
  }

  /**
   * Removes a folder whose contents came from sandbox code (a setup's output, an archive it made,
   * a layer sessions could write): emptied in a helper container, as root there with the seal's
   * capabilities (find -delete follows no link), so the host never walks it; the host then
   * removes the empty folder. A file is removed by the host; a missing path is nothing to do.
   */
  private async removeTree(target: string): Promise<void> {
    const info = await lstat(target).catch(() => undefined);
    if (!info) return;
    if (!info.isDirectory()) {
      await rm(target, { force: true });
      return;
    }
    if (!this.helper) throw new Error("the layer cache needs helper containers to remove a layer's folder");
    await this.helper.run({
      sessionId: `layer-${path.basename(target)}`,
      mounts: [{ source: target, target: "/doomed", readOnly: false }],
      cmd: ["find", "/doomed", "-mindepth", "1", "-delete"],
      rootWith: [...SEAL_CAPABILITIES],
      timeoutMs: UNPACK_TIMEOUT_MS,
    });
    await rmdir(target);
  }

  /** The lock key of a layer folder's name (the same as its object key's). */
  private keyOf(name: string): string {
    return `layers/${name}.tar.gz`;
  }
}
