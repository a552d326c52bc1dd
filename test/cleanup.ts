import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

/** Unmounts the workspace volumes under a test's data folder, then removes the folder. */
export async function removeDataDir(dir: string): Promise<void> {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) execFileSync("umount", ["-l", mountPoint]);
  rmSync(dir, { recursive: true, force: true });
  return Promise.resolve();
}
