import { execFileSync } from "node:child_process";
import os from "node:os";

/** A one-line description of the machine a benchmark ran on. */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  let docker = "unknown";
  try {
    docker = execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    docker = "not reachable";
  }
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, Node ${process.version}, Docker ${docker}`;
}
