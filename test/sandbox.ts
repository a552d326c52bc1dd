import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { runtimeImageRef } from "@/images/recipe";
import { loadConfig, type Limits } from "@/server/config";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { createDockerClient } from "@/server/sandbox/docker-client";
import { DockerSandboxDriver } from "@/server/sandbox/docker-driver";
import { SandboxManager } from "@/server/sandbox/manager";
import { FsObjectStore } from "@/server/storage/fs-object-store";

export interface SandboxHarness {
  manager: SandboxManager;
  driver: DockerSandboxDriver;
  database: DatabaseHandle;
  store: FsObjectStore;
  dataDir: string;
  docker: ReturnType<typeof createDockerClient>;
  /** A fresh session id; its sandbox is destroyed when the harness is disposed. */
  session(): string;
  /** A second manager on the same data, as after a server restart. */
  restart(): SandboxManager;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real sandbox manager on the real Docker engine, with its own data folder and database. */
export async function sandboxHarness(overrides: Partial<Limits> = {}, idleTimeoutMs = 600_000): Promise<SandboxHarness> {
  const config = loadConfig();
  const dataDir = mkdtempSync(path.join(tmpdir(), "sandpit-it-"));
  const database = openDatabase({ kind: "pglite", dir: path.join(dataDir, "db") });
  await database.migrate();
  const store = new FsObjectStore(path.join(dataDir, "objects"));
  const docker = createDockerClient(config.docker);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const driver = new DockerSandboxDriver(docker, log);
  const limits = { ...config.limits, ...overrides };
  const make = (): SandboxManager =>
    new SandboxManager({
      driver,
      store,
      db: database.db,
      image: runtimeImageRef(config.runtimeImage),
      dataDir,
      limits,
      idleTimeoutMs,
      log,
    });
  const managers = [make()];
  const sessions: string[] = [];
  return {
    manager: managers[0] as SandboxManager,
    driver,
    database,
    store,
    dataDir,
    docker,
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
      for (const container of await driver.list()) if (sessions.includes(container.sessionId)) await driver.remove(container.id);
      for (const manager of managers) await manager.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
