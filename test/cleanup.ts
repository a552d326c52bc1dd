import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import type Dockerode from "dockerode";

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

/** Removes the sandbox containers that mount folders of a data folder (a test server's). */
export async function removeSandboxesOf(docker: Dockerode, dataDir: string): Promise<void> {
  for (const info of await docker.listContainers({ all: true, filters: { label: ["dev.sandpit.session"] } })) {
    if (info.Mounts.some((mount) => mount.Source.startsWith(`${dataDir}/`)))
      await docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
}
