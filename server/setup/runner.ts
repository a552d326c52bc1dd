import "server-only";
import { randomBytes } from "node:crypto";
import { pipeline, Transform } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { setupEnv } from "@/lib/languages";
import { failureMessage } from "@/lib/setup/diagnose";
import type { Limits } from "@/server/config";
import type { LayerRecord, SetupStepRecord } from "@/server/db/schema";
import type { AgentClient } from "@/server/sandbox/agent/client";
import { openSandbox } from "@/server/sandbox/agent/open";
import type { SandboxDriver } from "@/server/sandbox/engine/driver";
import { makeSandboxDir } from "@/server/sandbox/workspaces/sandbox-user";
import { isMountPoint, makeVolume, mount, unmount } from "@/server/sandbox/workspaces/store";
import type { ObjectStore } from "@/server/storage/object-store";
import { archiveLayer, prepareLayer } from "./layer-archive";
import type { LayerCache } from "./layer-cache";
import type { PlannedStep } from "./steps";

export interface SetupEnvironment {
  driver: SandboxDriver;
  store: ObjectStore;
  layers: LayerCache;
  image: string;
  dataDir: string;
  agentDir: string;
  limits: Limits;
  timeoutMs: number;
  network: string;
  caBundle?: string;
  /** Size of a setup's own filesystem (its layer and workspace), when volumes are in use; else unbounded. */
  diskMb?: number;
  mirrors: { pipIndexUrl?: string; npmRegistry?: string; goproxy?: string; gosumdb?: string };
  log: Logger;
}

export interface SetupOutcome {
  success: boolean;
  error?: string;
  stdout: string;
  stderr: string;
  steps: SetupStepRecord[];
  layer?: LayerRecord;
}

const LOG_TAIL = 4_000;
const OUTPUT_TAIL = 64_000;

function tail(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}

/** The environment of a setup container: setup envs, the CA bundle and the registry mirrors. */
export function setupContainerEnv(env: SetupEnvironment, envs: Array<[string, string]>): Record<string, string> {
  const vars: Record<string, string> = setupEnv();
  if (env.caBundle) {
    for (const name of [
      "NODE_EXTRA_CA_CERTS",
      "PIP_CERT",
      "SSL_CERT_FILE",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "GIT_SSL_CAINFO",
      "DENO_CERT",
    ]) {
      vars[name] = "/etc/sandpit/ca.crt";
    }
  }
  if (env.mirrors.pipIndexUrl) {
    vars.PIP_INDEX_URL = env.mirrors.pipIndexUrl;
    // pip ignores a plain-http index unless its host is trusted; the operator chose this mirror.
    const mirror = new URL(env.mirrors.pipIndexUrl);
    if (mirror.protocol === "http:") vars.PIP_TRUSTED_HOST = mirror.hostname;
  }
  if (env.mirrors.npmRegistry) vars.NPM_CONFIG_REGISTRY = env.mirrors.npmRegistry;
  if (env.mirrors.goproxy) vars.GOPROXY = env.mirrors.goproxy;
  if (env.mirrors.gosumdb) vars.GOSUMDB = env.mirrors.gosumdb;
  // The spec's envs come last: a setup may point its own steps elsewhere.
  for (const [key, value] of envs) vars[key] = value;
  return vars;
}

/**
 * Runs the steps in a fresh setup container (network on, setup envs set only there), then stores
 * what they produced as ONE archive under `layerKey`. The first failing step stops the setup.
 */
export async function runSetup(
  env: SetupEnvironment,
  job: { sessionId: string; layerKey: string; steps: PlannedStep[]; envs: Array<[string, string]> },
  progress: (steps: SetupStepRecord[]) => void,
): Promise<SetupOutcome> {
  const deadline = Date.now() + env.timeoutMs;
  const records: SetupStepRecord[] = job.steps.map((step) => ({
    name: step.name,
    status: "pending",
    started_at: null,
    duration_ms: null,
    log: "",
    exit_code: null,
  }));
  const work = await mkdtemp(path.join(env.dataDir, "setup-"));
  if (env.diskMb) {
    // Its own filesystem: a setup that fills its disk ends with "No space left on device" there.
    try {
      await makeVolume(`${work}.ext4`, env.diskMb);
      await mount(`${work}.ext4`, work);
    } catch (error) {
      await removeSetupFolder(work);
      throw error;
    }
  }
  const layerDir = path.join(work, "layer");
  let stdout = "";
  let stderr = "";
  let containerId: string | undefined;
  let agent: AgentClient | undefined;
  try {
    await makeSandboxDir(layerDir);
    await makeSandboxDir(path.join(layerDir, "workspace"));
    ({ containerId, agent } = await openSandbox(
      env.driver,
      {
        sessionId: job.sessionId,
        role: "setup",
        image: env.image,
        workspaceDir: path.join(layerDir, "workspace"),
        agentDir: env.agentDir,
        layerDir,
        layerWritable: true,
        caBundle: env.caBundle,
        limits: {
          ...env.limits,
          tmpMb: Math.max(env.limits.tmpMb, 1024),
          memoryMb: Math.max(env.limits.memoryMb, 2048),
          pids: Math.max(env.limits.pids, 1024),
        },
        network: env.network !== "none",
        networkMode: env.network,
        env: setupContainerEnv(env, job.envs),
      },
      env.log,
    ));

    for (const [index, step] of job.steps.entries()) {
      const record = records[index] as SetupStepRecord;
      record.status = "running";
      record.started_at = new Date().toISOString();
      progress(records);
      const started = Date.now();
      let failed: { exitCode: number; timedOut: boolean } | undefined;
      /** What the failed command wrote on stderr: the cause is told from it first. */
      let failedErr = "";
      for (const command of step.commands) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          failed = { exitCode: 124, timedOut: true };
          break;
        }
        let stepErr = "";
        const result = await agent.request(
          "run",
          {
            runId: `setup-${randomBytes(6).toString("hex")}`,
            argv: command.argv,
            cwd: command.cwd,
            env: {},
            files: command.files,
            timeoutMs: remaining,
            outputLimit: 16 * 1024 * 1024,
            stream: true,
          },
          {
            onOutput: (fd, data) => {
              const text = data.toString();
              record.log = tail(record.log + text, LOG_TAIL);
              if (fd === 1) stdout = tail(stdout + text, OUTPUT_TAIL);
              else {
                stderr = tail(stderr + text, OUTPUT_TAIL);
                stepErr = tail(stepErr + text, OUTPUT_TAIL);
              }
              progress(records);
            },
          },
        );
        if (result.exitCode !== 0) {
          failed = { exitCode: result.exitCode, timedOut: result.timedOut };
          failedErr = stepErr;
          record.log = tail(record.log, LOG_TAIL);
          if (!stepErr.trim()) stderr = tail(`${stderr}(no output on stderr)\n`, OUTPUT_TAIL);
          break;
        }
      }
      record.duration_ms = Date.now() - started;
      record.exit_code = failed?.exitCode ?? 0;
      record.status = failed ? "failed" : "completed";
      progress(records);
      if (failed) {
        for (const rest of records.slice(index + 1)) rest.status = "skipped";
        const error = failed.timedOut
          ? `setup timed out after ${Math.round(env.timeoutMs / 1000)} s during the ${step.name} step`
          : failureMessage(step.name, failed.exitCode, `${failedErr}\n${record.log}`);
        return { success: false, error, stdout, stderr, steps: records };
      }
    }

    agent.close();
    // The host reads the setup's output only once no process of the setup can change it.
    await removeContainer(env.driver, containerId);
    containerId = undefined;
    // Sensitive files leave the layer here, so neither the stored archive nor this host's copy has them.
    const stored = await storeLayer(env, job.layerKey, layerDir, env.timeoutMs);
    await env.layers.adopt(job.layerKey, layerDir);
    return { success: true, stdout, stderr, steps: records, layer: stored };
  } catch (error) {
    const message = (error as Error).message;
    for (const record of records)
      if (record.status === "running" || record.status === "pending")
        record.status = record.status === "running" ? "failed" : "skipped";
    return { success: false, error: `setup could not run: ${message}`, stdout, stderr, steps: records };
  } finally {
    agent?.close();
    let gone = true;
    if (containerId)
      gone = await removeContainer(env.driver, containerId).then(
        () => true,
        () => false,
      );
    // A container that could not be removed may still write there: its folder stays until recovery.
    if (gone) await removeSetupFolder(work);
    else env.log.warn({ work }, "setup container could not be removed; its folder is left for recovery");
  }
}

/** Removes a container and makes sure it is gone (no process of it runs any more). */
async function removeContainer(driver: SandboxDriver, containerId: string): Promise<void> {
  await driver.remove(containerId);
  if (await driver.isRunning(containerId)) throw new Error(`setup container ${containerId.slice(0, 12)} is still running`);
}

/** Removes a setup's work folder and, when it had one, its volume. */
export async function removeSetupFolder(work: string): Promise<void> {
  if (isMountPoint(work)) await unmount(work);
  await rm(work, { recursive: true, force: true });
  await rm(`${work}.ext4`, { force: true });
}

/** Stores a finished layer folder as ONE archive object; sensitive files are left out. */
export async function storeLayer(
  env: Pick<SetupEnvironment, "store" | "log">,
  key: string,
  layerDir: string,
  timeoutMs: number,
): Promise<LayerRecord> {
  const started = Date.now();
  let bytes = 0;
  // Counted on the way through; a "data" listener would start the flow before the store reads.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // pipeline() carries a tar failure to the counter, so the upload fails instead of waiting.
  const archive = pipeline(archiveLayer(layerDir, timeoutMs), counter, () => undefined);
  // The archive leaves sensitive names out by itself, so deleting them from this host's copy and
  // counting the files can run while it uploads.
  const [contents] = await Promise.all([prepareLayer(layerDir), env.store.put(key, archive)]);
  env.log.info({ key, bytes, files: contents.files, removed: contents.removed.length, ms: Date.now() - started }, "layer stored");
  return { key, bytes, files: contents.files, cache_hit: false };
}
