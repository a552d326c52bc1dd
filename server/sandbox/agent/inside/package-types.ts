// The type declarations of the npm packages a session's layer holds, for the editor. Read as the
// sandbox user and without following any symlink: a setup's commands could plant links to
// anything in the layer, and they lead nowhere from here.
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, asUser, type RequestContext } from "./context.ts";
import { readNames } from "./dirs.ts";
import { FILE_CHUNK_BYTES, type Params, type Result } from "./protocol.ts";

/** Where a layer's npm packages are (the runtime image links /node_modules and NODE_PATH here). */
export const LAYER_NODE_MODULES = "/opt/layer/node/node_modules";
const DECLARATION = /\.d\.(?:ts|mts|cts)$/;
/** Directory entries looked at, at most, whatever the tree holds. */
const MAX_ENTRIES = 50_000;
const MAX_DEPTH = 16;
const MAX_PACKAGE_JSON_BYTES = 256 * 1024;

interface Found {
  path: string; // relative to node_modules
  text: string;
}

/** A regular file's text, opened without following a link; undefined when it is not one or too big. */
function readPlain(abs: string, maxBytes: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

function isRealDir(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}

export function collectTypes(
  root: string,
  params: { maxFiles: number; maxBytes: number; first: string[] },
): { found: Found[]; truncated: boolean; skipped: number } {
  const found: Found[] = [];
  let bytes = 0;
  let entries = 0;
  let skipped = 0;
  let truncated = false;
  // The folder itself must be where it says: a layer's node/ or node_modules/ may be a planted link.
  if (!isRealDir(root) || fs.realpathSync(root) !== root) return { found, truncated, skipped };

  const names = (dir: string): string[] => {
    try {
      const read = readNames(dir, MAX_ENTRIES - entries);
      entries += read.names.length;
      if (read.more) truncated = true;
      return read.names.filter((name) => !name.startsWith(".")).sort();
    } catch {
      return [];
    }
  };
  const add = (rel: string, text: string): boolean => {
    const size = Buffer.byteLength(text);
    if (found.length >= params.maxFiles || bytes + size > params.maxBytes) {
      truncated = true;
      return false;
    }
    found.push({ path: rel, text });
    bytes += size;
    return true;
  };

  const packages: string[] = [];
  for (const name of names(root)) {
    if (name.startsWith("@")) {
      if (isRealDir(path.join(root, name))) for (const inner of names(path.join(root, name))) packages.push(`${name}/${inner}`);
    } else packages.push(name);
  }
  // @types first, then the packages the setup names, then the rest: what a cut leaves out matters least.
  const rank = (name: string): number => (name.startsWith("@types/") ? 0 : params.first.includes(name) ? 1 : 2);
  packages.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  for (const name of packages) {
    if (truncated) break;
    const dir = path.join(root, name);
    if (!isRealDir(dir)) {
      skipped += 1;
      continue;
    }
    let manifest: Record<string, unknown> = {};
    try {
      manifest = JSON.parse(readPlain(path.join(dir, "package.json"), MAX_PACKAGE_JSON_BYTES) ?? "{}") as Record<string, unknown>;
    } catch {
      manifest = {};
    }
    const entry = [manifest.types, manifest.typings].find((value): value is string => typeof value === "string");
    // Breadth first, the package's entry before the rest: a cut leaves out the deepest files.
    const files: string[] = [];
    const queue: Array<[string, number]> = [["", 0]];
    while (queue.length > 0 && entries < MAX_ENTRIES) {
      const [rel, depth] = queue.shift() as [string, number];
      for (const child of names(path.join(dir, rel))) {
        const childRel = rel ? `${rel}/${child}` : child;
        let stat: fs.Stats;
        try {
          stat = fs.lstatSync(path.join(dir, childRel));
        } catch {
          continue;
        }
        if (stat.isSymbolicLink()) {
          if (DECLARATION.test(child)) skipped += 1;
        } else if (stat.isDirectory()) {
          if (child !== "node_modules" && depth < MAX_DEPTH) queue.push([childRel, depth + 1]);
        } else if (stat.isFile() && DECLARATION.test(child)) files.push(childRel);
      }
    }
    if (files.length === 0) continue;
    const normalizedEntry = entry ? path.posix.normalize(entry).replace(/^\.\//, "") : undefined;
    files.sort((a, b) => Number(b === normalizedEntry) - Number(a === normalizedEntry));
    // What module resolution reads of package.json: its name and where its types are.
    const types = { name, ...(entry ? { types: entry } : {}) };
    if (!add(`${name}/package.json`, `${JSON.stringify(types)}\n`)) break;
    for (const file of files) {
      const text = readPlain(path.join(dir, file), FILE_CHUNK_BYTES);
      if (text === undefined) skipped += 1;
      else if (!add(`${name}/${file}`, text)) break;
    }
  }
  return { found, truncated, skipped };
}

/** Sends each declaration file as an `out` message holding JSON `{path, text}`, then the counts. */
export function packageTypes(params: Params<"layer.types">, ctx: RequestContext): Result<"layer.types"> {
  const { maxFiles, maxBytes, first } = params;
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 0 || !Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new AgentError("BAD_REQUEST", "maxFiles and maxBytes must be non-negative integers");
  if (!Array.isArray(first) || first.some((name) => typeof name !== "string"))
    throw new AgentError("BAD_REQUEST", "first must be a list of package names");
  const { found, truncated, skipped } = asUser(() => collectTypes(LAYER_NODE_MODULES, { maxFiles, maxBytes, first }));
  let bytes = 0;
  for (const file of found) {
    bytes += Buffer.byteLength(file.text);
    ctx.send({ id: ctx.id, type: "out", fd: 1, data: Buffer.from(JSON.stringify(file)).toString("base64") });
  }
  return { files: found.length, bytes, truncated, skipped };
}
