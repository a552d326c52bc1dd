import "server-only";
import type Dockerode from "dockerode";
import { runtimeImageRef } from "@/images/recipe";
import { getConfig, type Config } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { logger } from "@/server/logger";
import { createDockerClient } from "@/server/sandbox/docker-client";
import { DockerSandboxDriver } from "@/server/sandbox/docker-driver";
import { SandboxManager } from "@/server/sandbox/manager";
import { openObjectStore } from "@/server/storage";
import type { ObjectStore } from "@/server/storage/object-store";

/** The long-lived engines one Sandpit process talks to. */
export interface Services {
  config: Config;
  docker: Dockerode;
  database: DatabaseHandle;
  store: ObjectStore;
  sandboxes: SandboxManager;
}

const globalForServices = globalThis as unknown as { sandpitServices?: Services; sandpitReady?: Promise<void> };

/** Opens the engines once per process (and once across dev-server reloads). */
export function getServices(): Services {
  if (!globalForServices.sandpitServices) {
    const config = getConfig();
    const docker = createDockerClient(config.docker);
    const database = openDatabase(config.database);
    const store = openObjectStore(config.objectStore);
    const sandboxes = new SandboxManager({
      driver: new DockerSandboxDriver(docker, logger.child({ module: "docker" })),
      store,
      db: database.db,
      image: runtimeImageRef(config.runtimeImage),
      dataDir: config.dataDir,
      limits: config.limits,
      idleTimeoutMs: config.idleTimeoutMs,
      log: logger.child({ module: "sandbox" }),
    });
    globalForServices.sandpitServices = { config, docker, database, store, sandboxes };
  }
  return globalForServices.sandpitServices;
}

/**
 * Start-up work, once per process: the schema is migrated, sandboxes left by an earlier process
 * are adopted or removed, and idle sandboxes start being hibernated.
 */
export function servicesReady(): Promise<void> {
  globalForServices.sandpitReady ??= (async () => {
    const services = getServices();
    await services.database.migrate();
    try {
      await services.sandboxes.reconcile();
    } catch (error) {
      // Docker may be down at start; sandboxes are reconciled on the next start and health says why.
      logger.error({ err: error }, "could not reconcile sandboxes at start-up");
    }
    services.sandboxes.startIdleSweeper();
  })();
  return globalForServices.sandpitReady;
}
