import type { FileHashes, UpdateConflictRecord } from "@/server/db/schema";

export type { FileHashes, UpdateConflictRecord };

/** A path in a class copy as an update finds it: absent, a regular file (its hash; null when too big to hash), or something else. */
export type CopyFile = { type: "absent" } | { type: "file"; hash: string | null } | { type: "other" };

export interface PlannedChange {
  path: string;
  action: "added" | "updated" | "removed";
}

export interface UpdatePlan {
  /** What to write (the template's file) or remove in the copy. */
  changes: PlannedChange[];
  /** What is left alone because the student made it their own. */
  conflicts: UpdateConflictRecord[];
  /** The copy's base once every change is made (conflicts keep their old base, so each update weighs them again). */
  base: FileHashes;
}

/** The paths an update has to look at in a copy: those whose file the template changed, added or removed since the copy's base. */
export function pathsToWeigh(base: FileHashes, next: FileHashes): string[] {
  const paths = new Set([...Object.keys(base), ...Object.keys(next)]);
  return [...paths].filter((path) => base[path] !== next[path]).sort();
}

/**
 * What a template update does to one class copy. A file the student has not touched since the
 * copy's base (or does not have, when the template adds it) becomes the template's; a file the
 * template removed goes when the student left it as it was; anything the student edited, deleted
 * or made their own is left alone and reported. A file already as the template has it is simply
 * taken as up to date.
 */
export function planUpdate(base: FileHashes, next: FileHashes, copy: ReadonlyMap<string, CopyFile>): UpdatePlan {
  const plan: UpdatePlan = { changes: [], conflicts: [], base: { ...base } };
  for (const path of pathsToWeigh(base, next)) {
    const was = base[path];
    const wanted = next[path];
    const found = copy.get(path) ?? { type: "absent" };
    const current = found.type === "file" ? found.hash : found.type === "absent" ? undefined : null;
    const settle = (): void => {
      if (wanted === undefined) delete plan.base[path];
      else plan.base[path] = wanted;
    };
    if (found.type === "other") {
      plan.conflicts.push({ path, reason: "not_a_file" });
    } else if (current === wanted) {
      settle();
    } else if (current === was) {
      plan.changes.push({ path, action: wanted === undefined ? "removed" : was === undefined ? "added" : "updated" });
      settle();
    } else {
      const reason =
        wanted === undefined ? "edited_removed" : current === undefined ? "deleted" : was === undefined ? "own_file" : "edited";
      plan.conflicts.push({ path, reason });
    }
  }
  return plan;
}
