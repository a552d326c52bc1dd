import { randomBytes } from "node:crypto";
import path from "node:path";
import pino from "pino";
import { runtimeImageRef } from "@/images/recipe";
import { loadConfig, type Config, type Limits } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { DockerSandboxDriver } from "@/server/sandbox/engine/docker-driver";
import { RuntimeSelector } from "@/server/sandbox/engine/runtime";
import type { SandboxSpec, StartedSandbox } from "@/server/sandbox/engine/driver";
import { HelperContainers } from "@/server/sandbox/engine/helper";
import { createWorkspaces } from "@/server/sandbox/workspaces/store";
import { SandboxManager } from "@/server/sandbox/manager";
import { nodeId } from "@/server/sandbox/engine/node-id";
import { LayerCache } from "@/server/setup/layer-cache";
import { LeaseService } from "@/server/nodes/leases";
import { FsObjectStore } from "@/server/storage/fs-object-store";
import type { ObjectStore } from "@/server/storage/object-store";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "./cleanup";

/** The Docker driver, counting the containers it starts per role. */
export class CountingDriver extends DockerSandboxDriver {
  readonly started: Array<{ role: string; sessionId: string }> = [];

  override start(spec: SandboxSpec): Promise<StartedSandbox> {
    this.started.push({ role: spec.role ?? "sandbox", sessionId: spec.sessionId });
    return super.start(spec);
  }
}

export interface HarnessOptions {
  limits?: Partial<Limits>;
  idleTimeoutMs?: number;
  store?: ObjectStore;
  /** The Docker runtime for its containers (SANDPIT_DOCKER_RUNTIME, which it defaults to). */
  runtime?: string;
  /** Share another harness's data folder and database (a second host on the same object store, or a restart). */
  dataDir?: string;
  /** A warm pool (SANDPIT_WARM_POOL / _MAX); none unless given. */
  pool?: { size: number; max: number };
  /** A database shared with other harnesses (PostgreSQL, as nodes share it); its own PGlite unless given. */
  database?: DatabaseHandle;
  /** Session leases lasting this long unrenewed (a node's MISSED_HEARTBEATS × heartbeat); none unless given. */
  leaseTtlMs?: number;
}

export interface SandboxHarness {
  config: Config;
  manager: SandboxManager;
  driver: CountingDriver;
  database: DatabaseHandle;
  store: ObjectStore;
  layers: LayerCache;
  /** The helper containers its layer cache and workspaces use. */
  helper: HelperContainers;
  dataDir: string;
  /** Its node id (from its data folder). */
  node: string;
  /** Its session leases, when asked for. */
  leases: LeaseService | undefined;
  image: string;
  docker: ReturnType<typeof createDockerClient>;
  /** The runtime its containers run under (runsc where auto finds gVisor). */
  runtime: RuntimeSelector;
  log: pino.Logger;
  /** A fresh session id; its sandbox is destroyed when the harness is disposed. */
  session(): string;
  /** A second manager on the same data, as after a server restart. */
  restart(): SandboxManager;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real sandbox manager on the real Docker engine, with its own data folder and database. */
export async function sandboxHarness(options: HarnessOptions = {}): Promise<SandboxHarness> {
  const config = loadConfig();
  const dataDir = options.dataDir ?? tempDataDir("sandpit-it-");
  const database = options.database ?? openDatabase({ kind: "pglite", dir: path.join(dataDir, "db") });
  await database.migrate();
  const store = options.store ?? new FsObjectStore(path.join(dataDir, "objects"));
  const docker = createDockerClient(config.docker);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const image = runtimeImageRef(config.runtimeImage);
  const limits = { ...config.limits, ...options.limits };
  const runtime = new RuntimeSelector({ docker, image, setting: options.runtime ?? config.docker.runtime, limits, log });
  const node = nodeId(dataDir);
  const driver = new CountingDriver(docker, log, runtime, node);
  const leases =
    options.leaseTtlMs === undefined
      ? undefined
      : new LeaseService({ db: database.db, node, ttlMs: options.leaseTtlMs, alone: database.kind === "pglite", log });
  const helper = new HelperContainers(docker, image, limits, async () => (await runtime.choose()).sandbox);
  const layers = new LayerCache(path.join(dataDir, "layers"), store, log, helper);
  const make = (): SandboxManager =>
    new SandboxManager({
      driver,
      store,
      db: database.db,
      image,
      dataDir,
      limits,
      idleTimeoutMs: options.idleTimeoutMs ?? 600_000,
      log,
      layers,
      workspaces: createWorkspaces(dataDir, {
        quota: config.workspaceQuota,
        pool: config.volumePool,
        sizeMb: limits.workspaceMb,
        helper,
      }),
      pool: options.pool,
      leases,
    });
  const managers = [make()];
  const sessions: string[] = [];
  return {
    config,
    manager: managers[0] as SandboxManager,
    driver,
    database,
    store,
    layers,
    helper,
    dataDir,
    node,
    leases,
    image,
    docker,
    runtime,
    log,
    session() {
      const id = `t-${randomBytes(6).toString("hex")}`;
      sessions.push(id);
      return id;
    },
    restart() {
      const next = make();
      managers.push(next);
      return next;
    },
    async [Symbol.asyncDispose]() {
      const last = managers.at(-1) as SandboxManager;
      for (const id of sessions) await last.destroy(id).catch(() => undefined);
      for (const container of await driver.list().catch(() => [])) {
        if (sessions.includes(container.sessionId)) await driver.remove(container.id);
      }
      for (const manager of managers) await manager.close();
      if (!options.database) await database.close();
      if (options.dataDir) return;
      // Whatever else mounts its folders (setup and helper containers, sessions a test made by hand) goes too.
      await removeSandboxesOf(docker, dataDir);
      await removeDataDir(dataDir);
    },
  };
}
