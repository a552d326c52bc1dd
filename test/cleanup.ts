import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type Dockerode from "dockerode";

const execFileAsync = promisify(execFile);

/** The data folders the fixtures of this test file made; each must be gone, with all it held, at the end. */
const made = new Set<string>();

/** A fresh data folder under the temp folder, remembered so the leftovers check looks at it. */
export function tempDataDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

function mountPointsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`));
}

/** Unmounts the workspace volumes under a test's data folder, then removes the folder. */
export async function removeDataDir(dir: string): Promise<void> {
  for (const mountPoint of mountPointsUnder(dir).sort((a, b) => b.length - a.length)) execFileSync("umount", ["-l", mountPoint]);
  rmSync(dir, { recursive: true, force: true });
  return Promise.resolve();
}

/** The containers (any role: sandbox, setup, helper) that mount folders of a data folder. */
async function containersOf(docker: Dockerode, dataDir: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true });
  return containers.filter((info) => info.Mounts.some((mount) => mount.Source.startsWith(`${dataDir}/`))).map((info) => info.Id);
}

/** Removes the containers that mount folders of a data folder (a test server's or a harness's). */
export async function removeSandboxesOf(docker: Dockerode, dataDir: string): Promise<void> {
  for (const id of await containersOf(docker, dataDir))
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** Loop devices whose backing file lies in a data folder (a workspace volume still attached). */
async function loopDevicesOf(dataDir: string): Promise<string[]> {
  const { stdout } = await execFileAsync("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"]).catch(() => ({
    stdout: "",
  }));
  return stdout
    .split("\n")
    .filter((line) => line.includes(` ${dataDir}/`))
    .map((line) => line.trim());
}

/**
 * What the fixtures of this test file left behind: for each data folder they made, the folder
 * itself, containers mounting it, mounts and loop devices in it. Empty when everything went.
 */
export async function leftovers(docker: Dockerode): Promise<string[]> {
  const left: string[] = [];
  for (const dir of made) {
    for (const id of await containersOf(docker, dir)) left.push(`container ${id.slice(0, 12)} mounts ${dir}`);
    for (const mountPoint of mountPointsUnder(dir)) left.push(`mount ${mountPoint}`);
    for (const loop of await loopDevicesOf(dir)) left.push(`loop device ${loop}`);
    if (existsSync(dir)) left.push(`folder ${dir}`);
  }
  return left;
}
