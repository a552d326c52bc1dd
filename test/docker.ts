import type Dockerode from "dockerode";
import { loadConfig } from "@/server/config";
import { createDockerClient } from "@/server/sandbox/docker-client";
import { runtimeImageRef } from "@/images/recipe";

/** The Docker engine and runtime image the integration tests run against. */
export function testDocker(): { docker: Dockerode; image: string } {
  const config = loadConfig();
  return { docker: createDockerClient(config.docker), image: runtimeImageRef(config.runtimeImage) };
}

export interface OneShot {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one command in a fresh container of `image` and removes the container afterwards. */
export async function runOnce(docker: Dockerode, image: string, cmd: string[], files: Record<string, string> = {}): Promise<OneShot> {
  const script = Object.entries(files)
    .map(([name, text]) => `printf '%s' '${text.replaceAll("'", "'\\''")}' > ${name}`)
    .join(" && ");
  const container = await docker.createContainer({
    Image: image,
    Cmd: script ? ["bash", "-c", `${script} && exec "$@"`, "run", ...cmd] : cmd,
    WorkingDir: "/workspace",
    Labels: { "dev.sandpit.test": "1" },
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    demux(logs, stdout, stderr);
    return { exitCode: StatusCode, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  } finally {
    await container.remove({ force: true });
  }
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demux(buffer: Buffer, stdout: Buffer[], stderr: Buffer[]): void {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const chunk = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? stderr : stdout).push(chunk);
    offset += 8 + size;
  }
}
