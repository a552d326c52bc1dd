// Files of /workspace: every path is confined to it, symlinks included. Callers run these as the
// sandbox user (asUser), so even a path swapped during a call reaches only what that user may.
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, WORKSPACE } from "./context.ts";
import { FILE_CHUNK_BYTES, type AgentErrorCode, type FileEntry, type Params } from "./protocol.ts";

/** Resolves a workspace path; refuses anything that leaves /workspace, also through symlinks. */
export function confine(input: string, options: { mustExist?: boolean } = {}): { abs: string; rel: string } {
  if (typeof input !== "string" || input.includes("\0"))
    throw new AgentError("BAD_REQUEST", "path must be a string without NUL bytes");
  const abs = path.resolve(WORKSPACE, input);
  if (abs !== WORKSPACE && !abs.startsWith(`${WORKSPACE}/`)) {
    throw new AgentError("PATH_OUTSIDE_WORKSPACE", `"${input}" is outside /workspace`);
  }
  // The deepest existing ancestor (or the file itself) must really live inside /workspace.
  let probe = abs;
  for (;;) {
    try {
      const real = fs.realpathSync(probe);
      if (real !== WORKSPACE && !real.startsWith(`${WORKSPACE}/`)) {
        throw new AgentError("PATH_OUTSIDE_WORKSPACE", `"${input}" leads outside /workspace through a symlink`);
      }
      break;
    } catch (error) {
      if (error instanceof AgentError) throw error;
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (probe === abs && options.mustExist) throw new AgentError("NOT_FOUND", `"${input}" does not exist`);
      probe = path.dirname(probe);
    }
  }
  return { abs, rel: path.relative(WORKSPACE, abs) };
}

export function entryOf(abs: string): FileEntry {
  const stat = fs.lstatSync(abs);
  const type = stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : stat.isFile() ? "file" : "other";
  return {
    path: path.relative(WORKSPACE, abs),
    type,
    size: stat.isDirectory() ? 0 : stat.size,
    mtimeMs: Math.round(stat.mtimeMs),
    mode: stat.mode & 0o7777,
  };
}

export function listFiles(input: string, recursive: boolean): FileEntry[] {
  const { abs } = confine(input, { mustExist: true });
  if (!fs.statSync(abs).isDirectory()) throw new AgentError("NOT_DIRECTORY", `"${input}" is not a directory`);
  const out: FileEntry[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const child = path.join(dir, name);
      const entry = entryOf(child);
      out.push(entry);
      if (recursive && entry.type === "directory") walk(child);
    }
  };
  walk(abs);
  return out;
}

/** A chunk of a file: at most FILE_CHUNK_BYTES from `offset`, and the file's entry (with its whole size). */
export function readChunk(input: string, offset: number, length: number): { data: string; entry: FileEntry } {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || length > FILE_CHUNK_BYTES)
    throw new AgentError("BAD_REQUEST", `read at most ${FILE_CHUNK_BYTES} bytes from a non-negative offset`);
  const { abs } = confine(input, { mustExist: true });
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new AgentError("IS_DIRECTORY", `"${input}" is a directory`);
    if (!stat.isFile()) throw new AgentError("BAD_REQUEST", `"${input}" is not a regular file`);
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, stat.size - offset)));
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return { data: buffer.subarray(0, read).toString("base64"), entry: entryOf(abs) };
  } finally {
    fs.closeSync(fd);
  }
}

const TOKEN = /^[a-f0-9]{8,32}$/;

function tempOf(abs: string, token: string): string {
  if (!TOKEN.test(token)) throw new AgentError("BAD_REQUEST", "write token must be 8-32 hex digits");
  return path.join(path.dirname(abs), `.${path.basename(abs).slice(0, 200)}.sandpit-${token}`);
}

/** One chunk of a write: appended to a temporary file, which the last chunk renames into place. */
export function writeChunk(params: Params<"fs.write">): { entry?: FileEntry } {
  const { abs } = confine(params.path);
  if (abs === WORKSPACE) throw new AgentError("IS_DIRECTORY", "cannot write to /workspace itself");
  if (!Number.isSafeInteger(params.offset) || params.offset < 0)
    throw new AgentError("BAD_REQUEST", "offset must be a non-negative integer");
  const temp = tempOf(abs, params.token);
  const data = Buffer.from(params.data, "base64");
  if (data.length > FILE_CHUNK_BYTES) throw new AgentError("BAD_REQUEST", `a chunk holds at most ${FILE_CHUNK_BYTES} bytes`);
  if (params.offset === 0) {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    confine(params.path); // the parents just created cannot point elsewhere, but a race could have
  }
  // O_NOFOLLOW: a symlink planted at the temporary name is refused, not followed.
  const flags = params.offset === 0 ? "wx" : fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW;
  if (params.offset === 0) fs.rmSync(temp, { force: true });
  const fd = fs.openSync(temp, flags, 0o600);
  try {
    if (fs.fstatSync(fd).size !== params.offset) throw new AgentError("BAD_REQUEST", "chunks must arrive in order");
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, params.offset + written);
  } finally {
    fs.closeSync(fd);
  }
  if (!params.done) return {};
  let mode = params.mode;
  try {
    const existing = fs.lstatSync(abs);
    if (existing.isDirectory()) {
      fs.rmSync(temp, { force: true });
      throw new AgentError("IS_DIRECTORY", `"${params.path}" is a directory`);
    }
    mode ??= existing.isFile() ? existing.mode & 0o7777 : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.chmodSync(temp, mode ?? 0o644);
  fs.renameSync(temp, abs);
  return { entry: entryOf(abs) };
}

export function abortWrite(input: string, token: string): { removed: boolean } {
  const { abs } = confine(input);
  const temp = tempOf(abs, token);
  const existed = fs.existsSync(temp);
  fs.rmSync(temp, { force: true });
  return { removed: existed };
}

export function makeDirectory(input: string): FileEntry {
  const { abs } = confine(input);
  fs.mkdirSync(abs, { recursive: true });
  confine(input, { mustExist: true });
  return entryOf(abs);
}

export function moveFile(fromInput: string, toInput: string): FileEntry {
  const from = confine(fromInput, { mustExist: true });
  const to = confine(toInput);
  if (from.abs === WORKSPACE || to.abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot move /workspace itself");
  if (fs.existsSync(to.abs)) throw new AgentError("EXISTS", `"${toInput}" already exists`);
  fs.mkdirSync(path.dirname(to.abs), { recursive: true });
  fs.renameSync(from.abs, to.abs);
  return entryOf(to.abs);
}

export function deletePath(input: string, recursive: boolean): { deleted: boolean } {
  const { abs } = confine(input);
  if (abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot delete /workspace itself");
  const stat = fs.lstatSync(abs);
  if (stat.isDirectory() && !recursive) fs.rmdirSync(abs);
  else fs.rmSync(abs, { recursive: true, force: false });
  return { deleted: true };
}

export function errorOf(error: unknown): { code: AgentErrorCode; message: string } {
  if (error instanceof AgentError) return { code: error.code, message: error.message };
  const errno = error as NodeJS.ErrnoException;
  const rel = typeof errno.path === "string" ? path.relative(WORKSPACE, errno.path) || "." : "path";
  switch (errno.code) {
    case "ENOENT":
      return { code: "NOT_FOUND", message: `"${rel}" does not exist` };
    case "EEXIST":
      return { code: "EXISTS", message: `"${rel}" already exists` };
    case "EISDIR":
      return { code: "IS_DIRECTORY", message: `"${rel}" is a directory` };
    case "ENOTDIR":
      return { code: "NOT_DIRECTORY", message: `"${rel}" is not a directory` };
    case "ENOTEMPTY":
      return { code: "BAD_REQUEST", message: `"${rel}" is not empty` };
    case "ENAMETOOLONG":
      return { code: "BAD_REQUEST", message: `"${rel.slice(0, 80)}…" is too long a path` };
    case "ELOOP":
      return { code: "BAD_REQUEST", message: `"${rel}" has too many levels of symlinks` };
    case "EACCES":
    case "EPERM":
      return { code: "BAD_REQUEST", message: `permission denied on "${rel}"` };
    case "ENOSPC":
    case "EDQUOT":
    case "EFBIG":
      return { code: "BAD_REQUEST", message: `no space left for "${rel}"` };
    default:
      return { code: "INTERNAL", message: errno.message ?? String(error) };
  }
}
