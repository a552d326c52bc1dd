import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type { FileEntry } from "./agent/protocol";
import { PathOutsideWorkspaceError, PayloadTooLargeError, SandboxError } from "./errors";
import type { SandboxManager } from "./manager";
import { FsObjectStore } from "@/server/storage/fs-object-store";

export type { FileEntry };

export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** Normalizes a client path to one relative to /workspace; refuses anything that leaves it. */
export function workspacePath(input: string): string {
  if (input.includes("\0")) throw new PathOutsideWorkspaceError("path must not contain NUL bytes");
  const trimmed = input.trim();
  let relative: string;
  if (trimmed === "/workspace") relative = ".";
  else if (trimmed.startsWith("/workspace/")) relative = trimmed.slice("/workspace/".length);
  else if (trimmed.startsWith("/")) throw new PathOutsideWorkspaceError(`"${input}" is outside /workspace`);
  else relative = trimmed;
  const normalized = path.posix.normalize(relative === "" ? "." : relative).replace(/\/+$/, "") || ".";
  if (normalized === ".." || normalized.startsWith("../"))
    throw new PathOutsideWorkspaceError(`"${input}" is outside /workspace`);
  if (Buffer.byteLength(normalized) > 4096 || normalized.split("/").some((part) => Buffer.byteLength(part) > 255)) {
    throw new SandboxError("path is too long: at most 255 bytes a name and 4096 in all", "BAD_REQUEST");
  }
  return normalized;
}

export async function listFiles(manager: SandboxManager, sessionId: string, dir = ".", recursive = true): Promise<FileEntry[]> {
  const target = workspacePath(dir);
  return (await manager.use(sessionId, (s) => s.agent.request("fs.list", { path: target, recursive }))) as FileEntry[];
}

export async function readFile(
  manager: SandboxManager,
  sessionId: string,
  file: string,
): Promise<{ data: Buffer; entry: FileEntry }> {
  const target = workspacePath(file);
  const result = (await manager.use(sessionId, (s) => s.agent.request("fs.read", { path: target }))) as {
    data: string;
    entry: FileEntry;
  };
  return { data: Buffer.from(result.data, "base64"), entry: result.entry };
}

export async function writeFile(
  manager: SandboxManager,
  sessionId: string,
  file: string,
  data: Buffer,
  mode?: number,
): Promise<FileEntry> {
  const target = workspacePath(file);
  if (data.length > MAX_FILE_BYTES) throw new PayloadTooLargeError(`files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return (await manager.use(sessionId, (s) =>
    s.agent.request("fs.write", { path: target, data: data.toString("base64"), mode }),
  )) as FileEntry;
}

export async function makeDirectory(manager: SandboxManager, sessionId: string, dir: string): Promise<FileEntry> {
  const target = workspacePath(dir);
  return (await manager.use(sessionId, (s) => s.agent.request("fs.mkdir", { path: target }))) as FileEntry;
}

export async function moveFile(manager: SandboxManager, sessionId: string, from: string, to: string): Promise<FileEntry> {
  const source = workspacePath(from);
  const destination = workspacePath(to);
  return (await manager.use(sessionId, (s) => s.agent.request("fs.move", { from: source, to: destination }))) as FileEntry;
}

export async function deleteFile(manager: SandboxManager, sessionId: string, file: string, recursive = false): Promise<void> {
  const target = workspacePath(file);
  await manager.use(sessionId, (s) => s.agent.request("fs.delete", { path: target, recursive }));
}

/** The whole workspace as a tar.gz stream; a hibernated session is woken first. */
export async function downloadWorkspace(manager: SandboxManager, sessionId: string): Promise<Readable> {
  await manager.ensure(sessionId);
  return manager.workspaces.archive(sessionId);
}

/**
 * Unpacks an uploaded tar.gz into the workspace. The archive is unpacked inside the sandbox by
 * the sandbox user, so a hostile archive can reach nothing outside the sandbox.
 */
export async function uploadWorkspace(manager: SandboxManager, sessionId: string, archive: Readable): Promise<{ files: number }> {
  return manager.use(sessionId, async (sandbox) => {
    const runDir = manager.runDir(sessionId);
    const name = `upload-${randomBytes(6).toString("hex")}.tar.gz`;
    await new FsObjectStore(runDir).put(name, archive);
    try {
      return (await sandbox.agent.request("archive.extract", { file: `/run/sandpit/${name}` })) as { files: number };
    } finally {
      if (existsSync(path.join(runDir, name))) await rm(path.join(runDir, name), { force: true });
    }
  });
}
