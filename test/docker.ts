import type Dockerode from "dockerode";
import { runtimeImageRef } from "@/images/recipe";
import { loadConfig } from "@/server/config";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { runOneShot, type OneShotResult } from "@/server/sandbox/engine/one-shot";

/** The Docker engine and runtime image the integration tests run against. */
export function testDocker(): { docker: Dockerode; image: string } {
  const config = loadConfig();
  return { docker: createDockerClient(config.docker), image: runtimeImageRef(config.runtimeImage) };
}

/** Runs `cmd` in a fresh container after writing `files` into /workspace. */
export function runOnce(
  docker: Dockerode,
  image: string,
  cmd: string[],
  files: Record<string, string> = {},
): Promise<OneShotResult> {
  const writes = Object.entries(files).map(([name, text]) => `printf '%s' '${text.replaceAll("'", "'\\''")}' > ${name}`);
  const wrapped = writes.length > 0 ? ["bash", "-c", `${writes.join(" && ")} && exec "$@"`, "run", ...cmd] : cmd;
  return runOneShot(docker, image, wrapped, { "dev.sandpit.test": "1" });
}
