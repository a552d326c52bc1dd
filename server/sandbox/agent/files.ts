// Files of /workspace: every path is confined to it, symlinks included.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, WORKSPACE } from "./context.ts";
import type { AgentErrorCode, FileEntry } from "./protocol.ts";

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

export function readFile(input: string): { data: string; entry: FileEntry } {
  const { abs } = confine(input, { mustExist: true });
  const stat = fs.statSync(abs);
  if (stat.isDirectory()) throw new AgentError("IS_DIRECTORY", `"${input}" is a directory`);
  return { data: fs.readFileSync(abs).toString("base64"), entry: entryOf(abs) };
}

export function writeFile(input: string, data: string, mode: number | undefined): FileEntry {
  const { abs } = confine(input);
  if (abs === WORKSPACE) throw new AgentError("IS_DIRECTORY", "cannot write to /workspace itself");
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  confine(input); // the parents just created cannot point elsewhere, but a race could have
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new AgentError("IS_DIRECTORY", `"${input}" is a directory`);
  fs.writeFileSync(abs, Buffer.from(data, "base64"), mode === undefined ? undefined : { mode });
  if (mode !== undefined) fs.chmodSync(abs, mode);
  return entryOf(abs);
}

/** Unpacks an uploaded tar.gz into /workspace as the sandbox user, so it can touch nothing else. */
export function extractArchive(file: string): Promise<{ files: number }> {
  if (!file.startsWith("/run/sandpit/") || file.includes(".."))
    throw new AgentError("BAD_REQUEST", "archive must be in /run/sandpit");
  return new Promise((resolve, reject) => {
    execFile(
      "tar",
      ["-xzvf", file, "-C", WORKSPACE, "--no-same-owner", "--delay-directory-restore"],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new AgentError(
              "BAD_REQUEST",
              `the archive could not be unpacked: ${stderr.trim().split("\n").slice(-3).join("; ") || error.message}`,
            ),
          );
        else resolve({ files: stdout.split("\n").filter((line) => line && !line.endsWith("/")).length });
      },
    );
  });
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
