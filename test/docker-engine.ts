import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

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
  const deadline = Date.now() + 60_000;
  while (await answers()) {
    if (Date.now() > deadline) throw new Error("the Docker engine did not stop within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Wait for the process itself to be gone before anything starts it again.
  while (existsSync("/var/run/docker.pid") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
}

/** Starts it again the way the test command does (scripts/ensure-docker.sh). */
export async function startDockerEngine(): Promise<void> {
  await execFileAsync("bash", [path.join(process.cwd(), "scripts", "ensure-docker.sh")], { timeout: 120_000 });
}
