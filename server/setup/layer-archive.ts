import "server-only";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { isSensitive } from "@/server/storage/sensitive";
import { tarCreate } from "@/server/storage/tar";

export interface LayerContents {
  files: number;
  removed: string[];
}

/**
 * Prepares a finished layer folder for storing: deletes the sensitive files (symlinks are not
 * followed) and counts what is left. Only for a folder no container can write any more (the
 * setup's container is removed first): the host walks it by name.
 */
export async function prepareLayer(dir: string): Promise<LayerContents> {
  const contents: LayerContents = { files: 0, removed: [] };
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (isSensitive(relative)) {
      await rm(full, { recursive: true, force: true });
      contents.removed.push(relative);
    } else if (entry.isFile()) {
      contents.files += 1;
    }
  }
  return contents;
}

/**
 * A prepared layer folder as ONE gzip-compressed tar stream (sensitive names excluded again; sparse
 * files stored sparse), failing when it takes longer than `timeoutMs`.
 */
export function archiveLayer(dir: string, timeoutMs: number): Readable {
  return tarCreate(dir, { excludeSensitive: true, timeoutMs });
}
