import "server-only";
import { createPatch } from "diff";

/** Files compared at most; a copy with more is compared up to here and said to be cut. */
export const CHANGES_MAX_FILES = 200;
/** Bytes a side of a file may have to be compared; bigger ones are listed as not compared. */
export const CHANGES_FILE_BYTES = 256 * 1024;
/** Characters of one file's diff shown at most. */
const PATCH_CHARS = 64 * 1024;
/**
 * A line diff's cost grows with lines × edits and runs on the server's event loop: one file's diff
 * gives up past this edit distance or time, and all of a comparison's diffs share a time budget.
 */
const DIFF_MAX_EDITS = 2_000;
const DIFF_FILE_MS = 100;
const DIFF_BUDGET_MS = 1_000;

export interface FileChange {
  path: string;
  status: "added" | "removed" | "changed";
  /** A unified diff (template → student) when both sides are text; cut past 64 KiB. */
  patch: string | null;
  /** Why there is no patch: a side is not text, or the sides differ too much to show line by line. */
  no_patch?: "binary" | "too_different";
}

export interface CopyChanges {
  template_id: string;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  files: FileChange[];
  /** Files too big to compare, and whether the list stopped at CHANGES_MAX_FILES. */
  not_compared: string[];
  truncated: boolean;
}

const strict = new TextDecoder("utf-8", { fatal: true });
function text(data: Buffer): string | null {
  try {
    return strict.decode(data);
  } catch {
    return null;
  }
}

/**
 * A student's files against their template's: what they added, removed and changed, with a diff
 * for text. `read` gives a side's bytes, or null when it is too big to compare.
 */
export async function compareCopies(
  templateId: string,
  templateFiles: string[],
  copyFiles: string[],
  read: (side: "template" | "copy", path: string) => Promise<Buffer | null>,
): Promise<CopyChanges> {
  const all = [...new Set([...templateFiles, ...copyFiles])].sort();
  const truncated = all.length > CHANGES_MAX_FILES;
  const inTemplate = new Set(templateFiles);
  const inCopy = new Set(copyFiles);
  const result: CopyChanges = {
    template_id: templateId,
    added: 0,
    removed: 0,
    changed: 0,
    unchanged: 0,
    files: [],
    not_compared: [],
    truncated,
  };
  let diffing = 0;
  for (const path of all.slice(0, CHANGES_MAX_FILES)) {
    // A side that cannot be read (grown too big meanwhile, gone, unreadable) is left out on its own.
    const side = async (which: "template" | "copy", present: boolean): Promise<Buffer | null> =>
      present ? read(which, path).catch(() => null) : Buffer.alloc(0);
    const before = await side("template", inTemplate.has(path));
    const after = await side("copy", inCopy.has(path));
    if (before === null || after === null) {
      result.not_compared.push(path);
      continue;
    }
    const status = !inTemplate.has(path) ? "added" : !inCopy.has(path) ? "removed" : before.equals(after) ? null : "changed";
    if (!status) {
      result.unchanged += 1;
      continue;
    }
    result[status] += 1;
    const [oldText, newText] = [text(before), text(after)];
    if (oldText === null || newText === null) {
      result.files.push({ path, status, patch: null, no_patch: "binary" });
      continue;
    }
    const started = performance.now();
    const timeout = Math.min(DIFF_FILE_MS, DIFF_BUDGET_MS - diffing);
    let patch =
      timeout > 0
        ? createPatch(path, oldText, newText, "template", "student", { maxEditLength: DIFF_MAX_EDITS, timeout })
        : undefined;
    diffing += performance.now() - started;
    if (patch === undefined) {
      result.files.push({ path, status, patch: null, no_patch: "too_different" });
      continue;
    }
    if (patch.length > PATCH_CHARS) patch = `${patch.slice(0, PATCH_CHARS)}\n… (the rest of this diff is left out)\n`;
    result.files.push({ path, status, patch });
  }
  return result;
}
