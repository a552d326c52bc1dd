import "server-only";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { KeyedLock } from "@/server/sandbox/keyed-lock";
import { restoreWorkspace } from "@/server/sandbox/workspace";
import type { ObjectStore } from "@/server/storage/object-store";

const execFileAsync = promisify(execFile);

/**
 * Layers unpacked on this host, each fetched and unpacked once, then shared read-only by every
 * sandbox that uses it. A folder appears under its final name only when it is complete.
 */
export class LayerCache {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly root: string,
    private readonly store: ObjectStore,
    private readonly log: Logger,
  ) {}

  dirOf(key: string): string {
    return path.join(this.root, path.basename(key, ".tar.gz"));
  }

  /** The host folder of a layer, fetched from the object store the first time. */
  async ensure(key: string): Promise<string> {
    const dir = this.dirOf(key);
    if (existsSync(dir)) return dir;
    return this.lock.run(key, async () => {
      if (existsSync(dir)) return dir;
      await mkdir(this.root, { recursive: true });
      const started = Date.now();
      await restoreWorkspace(await this.store.get(key), dir);
      this.log.info({ key, ms: Date.now() - started }, "layer unpacked into the host cache");
      return dir;
    });
  }

  /** Adopts a folder a setup just produced on this host, so it is not downloaded again. */
  async adopt(key: string, folder: string): Promise<string> {
    const dir = this.dirOf(key);
    return this.lock.run(key, async () => {
      await mkdir(this.root, { recursive: true });
      if (existsSync(dir)) {
        await rm(folder, { recursive: true, force: true });
        return dir;
      }
      try {
        await rename(folder, dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
        // Made on a volume of its own: copied beside the cache, then renamed into place.
        const temp = path.join(this.root, `.adopt-${randomUUID()}`);
        try {
          await execFileAsync("cp", ["-a", "--", folder, temp]);
          await rename(temp, dir);
        } finally {
          await rm(temp, { recursive: true, force: true });
        }
      }
      return dir;
    });
  }
}
