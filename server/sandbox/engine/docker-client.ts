import "server-only";
import Dockerode from "dockerode";
import type { Config } from "@/server/config/index";

/** A dockerode client for the configured engine: DOCKER_HOST when set, else the local socket. */
export function createDockerClient(docker: Config["docker"]): Dockerode {
  if (docker.host) {
    const url = new URL(docker.host);
    if (url.protocol === "unix:") return new Dockerode({ socketPath: url.pathname });
    return new Dockerode({
      host: url.hostname,
      port: url.port || (url.protocol === "https:" ? 2376 : 2375),
      protocol: url.protocol === "https:" ? "https" : "http",
    });
  }
  return new Dockerode({ socketPath: docker.socketPath });
}
