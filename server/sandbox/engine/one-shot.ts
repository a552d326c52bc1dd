import "server-only";
import type Dockerode from "dockerode";
import { demuxDockerStream } from "./demux";

export interface OneShotResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one command in a fresh, network-less container of `image`, then removes the container. */
export async function runOneShot(
  docker: Dockerode,
  image: string,
  cmd: string[],
  labels: Record<string, string> = {},
): Promise<OneShotResult> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    WorkingDir: "/workspace",
    Labels: { "dev.sandpit.role": "one-shot", ...labels },
    HostConfig: { NetworkMode: "none", AutoRemove: false },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const { stdout, stderr } = demuxDockerStream(await container.logs({ stdout: true, stderr: true, follow: false }));
    return { exitCode: StatusCode, stdout: stdout.toString(), stderr: stderr.toString() };
  } finally {
    await container.remove({ force: true });
  }
}
