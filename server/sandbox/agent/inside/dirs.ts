// Reading folders that sandbox code fills: never more names than asked for, however many there are.
import * as fs from "node:fs";

/**
 * At most `max` names of the folder at `dir` (in the folder's own order), and whether it holds
 * more. A folder with a million entries costs `max` entries, not a million-name array.
 */
export function readNames(dir: string, max: number): { names: string[]; more: boolean } {
  const folder = fs.opendirSync(dir, { bufferSize: 256 });
  const names: string[] = [];
  try {
    for (;;) {
      const entry = folder.readSync();
      if (!entry) return { names, more: false };
      if (names.length >= max) return { names, more: true };
      names.push(entry.name);
    }
  } finally {
    folder.closeSync();
  }
}
