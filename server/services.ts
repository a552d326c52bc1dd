import "server-only";
import type Dockerode from "dockerode";
import { getConfig, type Config } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { createDockerClient } from "@/server/sandbox/docker-client";
import { openObjectStore } from "@/server/storage";
import type { ObjectStore } from "@/server/storage/object-store";

/** The long-lived engines one Sandpit process talks to. */
export interface Services {
  config: Config;
  docker: Dockerode;
  database: DatabaseHandle;
  store: ObjectStore;
}

const globalForServices = globalThis as unknown as { sandpitServices?: Services };

/** Opens the engines once per process (and once across dev-server reloads). */
export function getServices(): Services {
  if (!globalForServices.sandpitServices) {
    const config = getConfig();
    globalForServices.sandpitServices = {
      config,
      docker: createDockerClient(config.docker),
      database: openDatabase(config.database),
      store: openObjectStore(config.objectStore),
    };
  }
  return globalForServices.sandpitServices;
}
