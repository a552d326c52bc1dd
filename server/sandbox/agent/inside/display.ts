// What a run shows besides its output: files the program wrote into its display folder (see
// RunParams.display), read as the sandbox user without following links, within the limits.
import * as fs from "node:fs";
import * as path from "node:path";
import { asUser, STATE_DIR } from "./context.ts";
import { readNames } from "./dirs.ts";
import { removeTree } from "./remove.ts";
import { DISPLAY_ITEM_BYTES, DISPLAY_MAX_ITEMS, DISPLAY_TOTAL_BYTES, DISPLAY_TYPES, type DisplayMime } from "./protocol.ts";

export interface DisplayItem {
  mime: DisplayMime;
  data: Buffer;
}

/** The run's display folder (see makeDisplayFolder). */
export function displayFolderOf(runId: string): string {
  return path.join(STATE_DIR, "display", runId);
}

/** Makes the run's display folder, as the sandbox user, before the program starts. */
export function makeDisplayFolder(folder: string): void {
  asUser(() => fs.mkdirSync(folder, { recursive: true, mode: 0o700 }));
}

function mimeOf(name: string): DisplayMime | undefined {
  const ext = path.extname(name).slice(1).toLowerCase();
  return Object.hasOwn(DISPLAY_TYPES, ext) ? DISPLAY_TYPES[ext as keyof typeof DISPLAY_TYPES] : undefined;
}

/** Reads a regular file that is not a link, at most `max` bytes; undefined when it is anything else or bigger. */
function readSmall(file: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > max) return undefined;
    const data = Buffer.alloc(stat.size);
    let read = 0;
    while (read < data.length) {
      const n = fs.readSync(fd, data, read, data.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return data.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What the run showed, in name order (names starting with a dot are files still being written),
 * and how many files were left out; the folder is removed.
 */
export function collectDisplay(folder: string): { items: DisplayItem[]; skipped: number } {
  return asUser(() => {
    const items: DisplayItem[] = [];
    let skipped = 0;
    let total = 0;
    let names: string[] = [];
    try {
      // Enough names to fill the items many times over; a folder of a million files is not listed.
      const read = readNames(folder, DISPLAY_MAX_ITEMS * 16);
      names = read.names.sort();
      if (read.more) skipped += 1;
    } catch {
      return { items, skipped };
    }
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const mime = mimeOf(name);
      const data =
        mime && items.length < DISPLAY_MAX_ITEMS
          ? readSmall(path.join(folder, name), Math.min(DISPLAY_ITEM_BYTES, DISPLAY_TOTAL_BYTES - total))
          : undefined;
      if (!mime || !data) {
        skipped += 1;
        continue;
      }
      total += data.length;
      items.push({ mime, data });
    }
    removeTree(folder);
    return { items, skipped };
  });
}
