import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { openDatabase } from "@/server/db/client";
import { RuntimeSelector } from "@/server/sandbox/engine/runtime";
import pino from "pino";
import { FsObjectStore } from "@/server/storage/fs-object-store";
import { testDocker } from "@/test/docker";
import { checkHealth } from "./health";

const dataDir = mkdtempSync(path.join(tmpdir(), "health-"));
const config = loadConfig({ SANDPIT_DATA_DIR: dataDir });
const database = openDatabase(config.database);
afterAll(() => database.close());
const log = pino({ level: "silent" });

/** The runtime selector as the server builds it, on `docker`; `gvisorName` stands in for an engine without gVisor. */
function runtimeOn(docker: Dockerode, gvisorName?: string): RuntimeSelector {
  const { image } = testDocker();
  return new RuntimeSelector({ docker, image, setting: "auto", limits: config.limits, log, gvisorName });
}

describe("checkHealth", () => {
  it("reports ok for a running engine, the built image, the database and the store", async () => {
    const { docker } = testDocker();
    const report = await checkHealth({
      config,
      docker,
      runtime: runtimeOn(docker),
      database,
      store: new FsObjectStore(path.join(dataDir, "objects")),
    });
    expect(report.status).toBe("ok");
    expect(report.checks.docker.detail).toMatch(/^Docker \S+/);
    expect(report.checks.image.detail).toContain("sandpit-runtime:");
    expect(report.checks.database).toEqual({ status: "ok", detail: "PGlite (embedded)" });
    expect(report.checks.objectStore.status).toBe("ok");
  });

  it("is degraded and names the part that is down", async () => {
    const deadDocker = new Dockerode({ socketPath: path.join(dataDir, "no-docker.sock") });
    const blocker = path.join(dataDir, "a-file");
    writeFileSync(blocker, "not a folder");
    const report = await checkHealth({
      config,
      docker: deadDocker,
      runtime: runtimeOn(deadDocker),
      database,
      store: new FsObjectStore(path.join(blocker, "objects")),
    });
    expect(report.status).toBe("degraded");
    expect(report.checks.docker.status).toBe("error");
    expect(report.checks.docker.detail).toContain("no-docker.sock");
    expect(report.checks.image.status).toBe("error");
    expect(report.checks.runtime.status).toBe("error");
    expect(report.checks.runtime.detail).toContain("no-docker.sock");
    expect(report.checks.objectStore.status).toBe("error");
    expect(report.checks.objectStore.detail).toContain("ENOTDIR");
    expect(report.checks.database.status).toBe("ok");
  });

  it("says how to build a missing runtime image", async () => {
    const { docker } = testDocker();
    const missing = loadConfig({ SANDPIT_DATA_DIR: dataDir, SANDPIT_RUNTIME_IMAGE: "sandpit-runtime:does-not-exist" });
    const report = await checkHealth({
      config: missing,
      docker,
      runtime: runtimeOn(docker),
      database,
      store: new FsObjectStore(path.join(dataDir, "objects")),
    });
    expect(report.checks.image).toEqual({
      status: "error",
      detail: "runtime image sandpit-runtime:does-not-exist is missing; build it with: npm run image",
    });
  });

  it("names the runtime sandboxes use and why", async () => {
    const { docker } = testDocker();
    const runtime = runtimeOn(docker);
    const choice = await runtime.choose();
    const report = await checkHealth({
      config,
      docker,
      runtime,
      database,
      store: new FsObjectStore(path.join(dataDir, "objects")),
    });
    expect(report.status).toBe("ok");
    if (choice.gvisor) {
      expect(report.checks.runtime).toEqual({
        status: "ok",
        detail: "runsc (gVisor): SANDPIT_DOCKER_RUNTIME=auto and a probe container ran under runsc; setups run with runsc-net",
      });
    } else {
      expect(report.checks.runtime.status).toBe("warning");
      expect(report.checks.runtime.detail).toMatch(
        /^runc: gVisor is not used: .*; sandboxes run with runc, sharing the host's kernel$/,
      );
    }
  });

  it("warns, without degrading, when sandboxes fall back to runc", async () => {
    const { docker } = testDocker();
    const report = await checkHealth({
      config,
      docker,
      runtime: runtimeOn(docker, "sandpit-no-gvisor"),
      database,
      store: new FsObjectStore(path.join(dataDir, "objects")),
    });
    expect(report.status).toBe("ok");
    expect(report.checks.runtime.status).toBe("warning");
    expect(report.checks.runtime.detail).toMatch(
      /^runc: gVisor is not used: the Docker engine has no runtime "sandpit-no-gvisor" .*; sandboxes run with runc, sharing the host's kernel$/,
    );
  });
});
