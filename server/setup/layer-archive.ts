import "server-only";
import { lstatSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import * as tar from "tar";
import { isSensitive } from "@/server/storage/sensitive";

/** Deletes the sensitive files under `dir` (symlinks are not followed); returns their paths. */
export async function removeSensitive(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const relative = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (isSensitive(relative)) {
      await rm(path.join(dir, relative), { recursive: true, force: true });
      removed.push(relative);
    }
  }
  return removed;
}

export interface ArchiveStats {
  files: number;
  bytes: number;
  excluded: string[];
}

/**
 * A folder as ONE gzip-compressed tar stream, without the sensitive files; `stats` is complete
 * once the stream has ended.
 */
export function archiveFolder(dir: string): { stream: Readable; stats: ArchiveStats } {
  const stats: ArchiveStats = { files: 0, bytes: 0, excluded: [] };
  const archive = tar.create(
    {
      gzip: { level: 6 },
      cwd: dir,
      portable: true,
      follow: false,
      filter: (path) => {
        if (isSensitive(path)) {
          stats.excluded.push(path.replace(/^\.\//, ""));
          return false;
        }
        try {
          const info = lstatSync(`${dir}/${path}`);
          if (info.isFile()) {
            stats.files += 1;
            stats.bytes += info.size;
          }
        } catch {
          // gone while archiving: tar reports it
        }
        return true;
      },
    },
    ["."],
  );
  return { stream: Readable.from(archive), stats };
}
