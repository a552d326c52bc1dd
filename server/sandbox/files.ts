import "server-only";
import path from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { API_LIMITS, WORKSPACE_PATH } from "@/lib/limits";
import { FILE_CHUNK_BYTES, type FileEntry } from "./agent/inside/protocol";
import { writeToken } from "./agent/client";
import { PathOutsideWorkspaceError, PayloadTooLargeError, SandboxError, SandboxUnavailableError } from "./errors";
import type { SandboxManager } from "./manager";

export type { FileEntry };

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
  if (
    Buffer.byteLength(normalized) > WORKSPACE_PATH.pathBytes ||
    normalized.split("/").some((part) => Buffer.byteLength(part) > WORKSPACE_PATH.nameBytes)
  ) {
    throw new SandboxError(
      `path is too long: at most ${WORKSPACE_PATH.nameBytes} bytes a name and ${WORKSPACE_PATH.pathBytes} in all`,
      "BAD_REQUEST",
    );
  }
  return normalized;
}

export async function listFiles(manager: SandboxManager, sessionId: string, dir = ".", recursive = true): Promise<FileEntry[]> {
  const target = workspacePath(dir);
  return manager.use(sessionId, (s) => s.agent.request("fs.list", { path: target, recursive }));
}

function tooLarge(size: number, limit: number = API_LIMITS.fileBytes): PayloadTooLargeError {
  const shown = limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MiB` : `${Math.round(limit / 1024)} KiB`;
  return new PayloadTooLargeError(
    `files are limited to ${shown} here (this one has ${size} bytes or more); download the workspace archive instead`,
  );
}

/**
 * A whole file, read in chunks; files over API_LIMITS.fileBytes (or `maxBytes`, when given) are
 * refused, before any is read when the agent says so, and as soon as more arrives when it grows.
 */
export async function readFile(
  manager: SandboxManager,
  sessionId: string,
  file: string,
  maxBytes: number = API_LIMITS.fileBytes,
): Promise<{ data: Buffer; entry: FileEntry }> {
  const target = workspacePath(file);
  const limit = Math.min(maxBytes, API_LIMITS.fileBytes);
  return manager.use(sessionId, async ({ agent }) => {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const length = Math.min(offset === 0 ? Math.min(FILE_CHUNK_BYTES, 64 * 1024) : FILE_CHUNK_BYTES, limit + 1 - offset);
      const chunk = await agent.request("fs.read", { path: target, offset, length });
      if (chunk.entry.size > limit) throw tooLarge(chunk.entry.size, limit);
      const data = Buffer.from(chunk.data, "base64");
      if (data.length > length) throw new SandboxUnavailableError("the sandbox agent sent more than was asked for");
      parts.push(data);
      offset += data.length;
      // The file may grow or shrink while it is read: stop at its end, and never past the limit.
      if (offset > limit) throw tooLarge(offset, limit);
      if (data.length < length) return { data: Buffer.concat(parts), entry: { ...chunk.entry, size: offset } };
    }
  });
}

/**
 * A file of any size as a stream: each chunk is read from the sandbox when the reader wants it, so
 * memory stays at a chunk or two. The first chunk is read up front, so a missing file fails here.
 */
export function streamFile(
  manager: SandboxManager,
  sessionId: string,
  file: string,
): Promise<{ stream: Readable; entry: FileEntry }> {
  const target = workspacePath(file);
  return new Promise((resolve, reject) => {
    manager
      .use(sessionId, async ({ agent }) => {
        const chunkOf = async (offset: number): Promise<Buffer> => {
          const chunk = await agent.request("fs.read", { path: target, offset, length: FILE_CHUNK_BYTES });
          const data = Buffer.from(chunk.data, "base64");
          if (data.length > FILE_CHUNK_BYTES) throw new SandboxUnavailableError("the sandbox agent sent more than was asked for");
          return data;
        };
        const first = await agent.request("fs.read", { path: target, offset: 0, length: FILE_CHUNK_BYTES });
        let next: Buffer | undefined = Buffer.from(first.data, "base64");
        let offset = 0;
        const stream = new Readable({
          highWaterMark: FILE_CHUNK_BYTES,
          read(): void {
            const take = (data: Buffer): void => {
              offset += data.length;
              if (data.length > 0) this.push(data);
              if (data.length < FILE_CHUNK_BYTES) this.push(null);
            };
            if (next) {
              const data = next;
              next = undefined;
              take(data);
              return;
            }
            chunkOf(offset).then(take, (error: Error) => this.destroy(error));
          },
        });
        resolve({ stream, entry: first.entry });
        // The sandbox counts as busy (never hibernated) until the stream is done.
        await finished(stream).catch(() => undefined);
      })
      .catch(reject);
  });
}

/** Writes a file in chunks to a temporary name, renamed into place by the last one. */
export async function writeFile(
  manager: SandboxManager,
  sessionId: string,
  file: string,
  data: Buffer,
  mode?: number,
): Promise<FileEntry> {
  const target = workspacePath(file);
  if (data.length > API_LIMITS.fileBytes) throw tooLarge(data.length);
  return manager.use(sessionId, async ({ agent }) => {
    const token = writeToken();
    try {
      for (let offset = 0; ; offset += FILE_CHUNK_BYTES) {
        const done = offset + FILE_CHUNK_BYTES >= data.length;
        const chunk = data.subarray(offset, offset + FILE_CHUNK_BYTES).toString("base64");
        const { entry } = await agent.request("fs.write", { path: target, token, offset, data: chunk, done, mode });
        if (done) {
          if (!entry) throw new SandboxUnavailableError("the sandbox agent did not confirm the write");
          return entry;
        }
      }
    } catch (error) {
      await agent.request("fs.abort", { path: target, token }).catch(() => undefined);
      throw error;
    }
  });
}

export async function makeDirectory(manager: SandboxManager, sessionId: string, dir: string): Promise<FileEntry> {
  const target = workspacePath(dir);
  return manager.use(sessionId, (s) => s.agent.request("fs.mkdir", { path: target }));
}

export async function moveFile(manager: SandboxManager, sessionId: string, from: string, to: string): Promise<FileEntry> {
  const source = workspacePath(from);
  const destination = workspacePath(to);
  return manager.use(sessionId, (s) => s.agent.request("fs.move", { from: source, to: destination }));
}

export async function deleteFile(manager: SandboxManager, sessionId: string, file: string, recursive = false): Promise<void> {
  const target = workspacePath(file);
  await manager.use(sessionId, (s) => s.agent.request("fs.delete", { path: target, recursive }));
}

/** How long making or unpacking a workspace archive may take. */
export const ARCHIVE_TIMEOUT_MS = 10 * 60_000;

/**
 * The whole workspace as a tar.gz stream, made inside the sandbox by the sandbox user (sparse
 * files stay small, its CPU is the sandbox's); a hibernated session is woken first.
 */
export function downloadWorkspace(manager: SandboxManager, sessionId: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    // The sandbox counts as busy (never hibernated) until the stream is done.
    manager
      .use(sessionId, (sandbox) => {
        const stream = sandbox.agent.archiveOut({ timeoutMs: ARCHIVE_TIMEOUT_MS });
        resolve(stream);
        return finished(stream).catch(() => undefined);
      })
      .catch(reject);
  });
}

/**
 * Unpacks an uploaded tar.gz into the workspace. The archive streams to tar inside the sandbox,
 * run by the sandbox user, so a hostile archive can reach nothing outside the sandbox, and the
 * host writes nothing on the way.
 */
export async function uploadWorkspace(manager: SandboxManager, sessionId: string, archive: Readable): Promise<{ files: number }> {
  return manager.use(sessionId, (sandbox) => sandbox.agent.archiveIn(archive, { timeoutMs: ARCHIVE_TIMEOUT_MS }));
}
