import "server-only";
import { chown, mkdir } from "node:fs/promises";
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
