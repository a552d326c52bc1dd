import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "./wait";

const systemd = (): boolean => existsSync("/run/systemd/system");

const execFileAsync = promisify(execFile);

// Asynchronous: servers of the test process (fault proxies) keep answering meanwhile.
async function answers(): Promise<boolean> {
  try {
    await execFileAsync("docker", ["info"], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Stops this host's Docker engine (its containers stop with it) and waits until it no longer answers. */
export async function stopDockerEngine(): Promise<void> {
  if (systemd()) {
    await execFileAsync("systemctl", ["stop", "docker.socket", "docker.service"]);
  } else {
    const pid = Number(readFileSync("/var/run/docker.pid", "utf8").trim());
    process.kill(pid, "SIGTERM");
  }
  await waitFor("the Docker engine to stop", async () => !(await answers()));
  // Wait for the process itself to be gone before anything starts it again.
  await waitFor("dockerd to exit", () => !existsSync("/var/run/docker.pid"));
}

/** Starts it again the way the test command does (scripts/ensure-docker.sh). */
export async function startDockerEngine(): Promise<void> {
  await execFileAsync("bash", [path.join(process.cwd(), "scripts", "ensure-docker.sh")], { timeout: 120_000 });
}
