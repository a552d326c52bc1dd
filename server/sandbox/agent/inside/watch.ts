// Tells the server when files of the workspace change, whoever changed them (a run, a terminal,
// a setup command, another shell): the tree is compared with itself at an interval, as the
// sandbox user, so nothing user code plants leads the walk outside what that user may read.
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, asUser, WORKSPACE, type RequestContext } from "./context.ts";
import { readNames } from "./dirs.ts";
import { WATCH_MAX_PATHS, type Params, type Result } from "./protocol.ts";

/** Entries compared at most; a bigger tree is compared up to here, and said to be cut. */
export const WATCH_MAX_ENTRIES = 20_000;
const MIN_INTERVAL_MS = 200;
const MAX_INTERVAL_MS = 10_000;

/** Folders whose own entry is watched but not what is inside: package trees and caches. */
const OPAQUE = new Set(["node_modules", ".git", "__pycache__", ".venv", "venv", ".cache", "target", ".pytest_cache"]);

export interface TreeState {
  /** Path (relative to the workspace) → a fingerprint of type, size and modification time. */
  entries: Map<string, string>;
  truncated: boolean;
}

/** The workspace's entries and their fingerprints; folders in OPAQUE count as one entry each. */
export function readTree(root: string, maxEntries = WATCH_MAX_ENTRIES): TreeState {
  const entries = new Map<string, string>();
  let truncated = false;
  const walk = (dir: string, rel: string): void => {
    let names: string[];
    try {
      // No more names than the entries still allowed: a huge folder costs what is compared, no more.
      const read = readNames(dir, maxEntries - entries.size);
      names = read.names;
      if (read.more) truncated = true;
    } catch {
      return; // gone meanwhile, or unreadable to the sandbox user
    }
    for (const name of names) {
      if (entries.size >= maxEntries) {
        truncated = true;
        return;
      }
      const abs = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(abs);
      } catch {
        continue;
      }
      const type = stat.isDirectory() ? "d" : stat.isSymbolicLink() ? "l" : stat.isFile() ? "f" : "o";
      // A folder's own size and time change when an entry is added or removed: its entries tell that.
      entries.set(relPath, type === "d" ? "d" : `${type}:${stat.size}:${stat.mtimeMs}`);
      if (type === "d" && !OPAQUE.has(name)) walk(abs, relPath);
    }
  };
  walk(root, "");
  return { entries, truncated };
}

/** The paths that differ between two states: added, removed or changed. */
export function changedPaths(before: TreeState, after: TreeState): string[] {
  const changed: string[] = [];
  for (const [key, print] of after.entries) if (before.entries.get(key) !== print) changed.push(key);
  for (const key of before.entries.keys()) if (!after.entries.has(key)) changed.push(key);
  return changed.sort();
}

/**
 * Watches the workspace until the request is cancelled: each change is told as an `out` message
 * holding `{"paths": [...], "more": n, "truncated": bool}` in JSON.
 */
export function watch(params: Params<"fs.watch">, ctx: RequestContext): Promise<Result<"fs.watch">> {
  const interval = params.intervalMs;
  if (typeof interval !== "number" || !Number.isInteger(interval) || interval < MIN_INTERVAL_MS || interval > MAX_INTERVAL_MS)
    throw new AgentError("BAD_REQUEST", `intervalMs must be an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`);
  let state = asUser(() => readTree(WORKSPACE));
  let told = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const next = asUser(() => readTree(WORKSPACE));
      const paths = changedPaths(state, next);
      state = next;
      if (paths.length === 0) return;
      told += 1;
      const message = {
        paths: paths.slice(0, WATCH_MAX_PATHS),
        more: Math.max(0, paths.length - WATCH_MAX_PATHS),
        truncated: next.truncated,
      };
      ctx.send({ id: ctx.id, type: "out", fd: 1, data: Buffer.from(JSON.stringify(message)).toString("base64") });
    }, interval);
    ctx.onControl((message) => {
      if (message.type !== "cancel") return;
      clearInterval(timer);
      resolve({ changes: told });
    });
  });
}
