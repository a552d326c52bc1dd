import "server-only";
import { TEMPLATE_UPDATE_LIMITS } from "@/lib/limits";
import type { FileHashes } from "@/server/db/schema";
import * as files from "@/server/sandbox/files";
import type { SandboxManager } from "@/server/sandbox/manager";
import { carried, sha256, type TemplateFile } from "./files";

interface Known {
  size: number;
  mtimeMs: number;
  hash: string;
}

/**
 * The hashes of a template's files as they are now, for the base of each class copy made from it.
 * A whole class joins at once: the template is listed once for all the copies asked for together,
 * and a file is read again only when its size or time changed since it was last hashed. Files
 * past TEMPLATE_UPDATE_LIMITS get no hash: an update then never takes the copy's file as untouched.
 */
export class TemplateHashes {
  private readonly known = new Map<string, Map<string, Known>>();
  private readonly running = new Map<string, Promise<FileHashes>>();

  constructor(
    private readonly sandboxes: SandboxManager,
    /** Templates whose hashes are kept; the one used longest ago goes first. */
    private readonly keep = 64,
  ) {}

  /** `key` tells one template from another that took the same id later (its id and creation time). */
  current(key: string, templateId: string): Promise<FileHashes> {
    const running = this.running.get(key);
    if (running) return running;
    const work = this.hash(key, templateId).finally(() => this.running.delete(key));
    this.running.set(key, work);
    return work;
  }

  /** Hashes an update read anyway, so the next copy's base needs no reading. */
  remember(key: string, read: TemplateFile[]): void {
    this.store(key, new Map(read.map((file) => [file.path, { size: file.size, mtimeMs: file.mtimeMs, hash: file.hash }])));
  }

  private store(key: string, known: Map<string, Known>): void {
    this.known.delete(key);
    this.known.set(key, known);
    while (this.known.size > this.keep) this.known.delete(this.known.keys().next().value as string);
  }

  private async hash(key: string, templateId: string): Promise<FileHashes> {
    const { files: maxFiles, fileBytes, totalBytes } = TEMPLATE_UPDATE_LIMITS;
    const before = this.known.get(key) ?? new Map<string, Known>();
    const entries = (await files.listFiles(this.sandboxes, templateId, ".", true))
      .filter((entry) => entry.type === "file" && carried(entry.path) && entry.size <= fileBytes)
      .slice(0, maxFiles);
    const now = new Map<string, Known>();
    let read = 0;
    for (const entry of entries) {
      const was = before.get(entry.path);
      if (was && was.size === entry.size && was.mtimeMs === entry.mtimeMs) {
        now.set(entry.path, was);
        continue;
      }
      if (read + entry.size > totalBytes) continue;
      const { data } = await files.readFile(this.sandboxes, templateId, entry.path, fileBytes).catch(() => ({ data: null }));
      if (!data) continue; // gone or grown since it was listed
      read += data.length;
      now.set(entry.path, { size: entry.size, mtimeMs: entry.mtimeMs, hash: sha256(data) });
    }
    this.store(key, now);
    return Object.fromEntries([...now].map(([path, known]) => [path, known.hash]));
  }
}
