import "server-only";
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertValidKey, ObjectNotFoundError, type ObjectStore } from "./object-store";

/** An object store in a local folder: writes go to a temporary file, then an atomic rename. */
export class FsObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `folder ${root}`;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(this.root, ".tmp", randomUUID());
    await mkdir(path.dirname(temp), { recursive: true });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(temp));
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async clearPartial(before: Date): Promise<number> {
    const folder = path.join(this.root, ".tmp");
    let cleared = 0;
    for (const name of await readdir(folder).catch(() => [])) {
      const file = path.join(folder, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtime < before) {
        await rm(file, { force: true });
        cleared += 1;
      }
    }
    return cleared;
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    if ((await this.head(key)) === undefined) throw new ObjectNotFoundError(key);
    return createReadStream(file);
  }

  async head(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<Array<{ key: string; bytes: number; modified: Date }>> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    const out: Array<{ key: string; bytes: number; modified: Date }> = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
      if (key.startsWith(".tmp/") || !key.startsWith(prefix)) continue;
      const info = await stat(path.join(this.root, key));
      out.push({ key, bytes: info.size, modified: info.mtime });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.health-${randomUUID()}`);
    await writeFile(probe, "ok");
    await rm(probe, { force: true });
  }
}
