import "server-only";
import { randomUUID } from "node:crypto";
import { chown, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { tarCreate } from "@/server/storage/tar";
import { SENSITIVE_TAR_EXCLUDES } from "@/server/storage/sensitive";

export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
const isRoot = process.getuid?.() === 0;

/** Creates a folder the sandbox user owns (when the server runs as root; else the server's user). */
export async function makeSandboxDir(dir: string, mode = 0o755): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  if (isRoot) await chown(dir, SANDBOX_UID, SANDBOX_GID);
}

/**
 * The workspace as one gzip-compressed tar stream; symlinks are stored as links, never followed,
 * and sensitive files (`.env`, keys, credentials) are left out: they never reach the object store.
 */
export function archiveWorkspace(dir: string): Readable {
  return tarCreate(dir, { excludeSensitive: true });
}

/**
 * Unpacks a workspace archive into `dir`, which must not exist yet: it is filled in a temporary
 * folder beside it and renamed into place, so a failed restore leaves nothing half-written.
 */
export async function restoreWorkspace(archive: Readable, dir: string): Promise<void> {
  const temp = path.join(path.dirname(dir), `.restore-${randomUUID()}`);
  await makeSandboxDir(temp);
  try {
    await extractWorkspace(archive, temp);
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Unpacks a workspace archive into the existing folder `dir`, owned by the sandbox user. */
export async function extractWorkspace(archive: Readable, dir: string): Promise<void> {
  await pipeline(
    archive,
    tar.extract({
      cwd: dir,
      preservePaths: false,
      ...(isRoot ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : { preserveOwner: false }),
    }),
  );
}

/**
 * The command that deletes the sensitive files (`.env`, keys, credentials) under `root`. It runs
 * inside a container as the sandbox user, never on the host: symlinks are not followed, and a
 * matching folder goes whole.
 */
export function scrubCommand(root: string): string[] {
  const tests = SENSITIVE_TAR_EXCLUDES.flatMap((pattern, index) => [
    ...(index > 0 ? ["-o"] : []),
    ...(pattern.includes("/") ? ["-path", `*/${pattern}`] : ["-name", pattern]),
  ]);
  return ["find", root, "-mindepth", "1", "(", ...tests, ")", "-prune", "-exec", "rm", "-rf", "--", "{}", "+"];
}
