import "server-only";
import { runtimeImageRef } from "@/images/recipe";
import type { Services } from "@/server/services";
import { checkSetupNetwork } from "@/server/setup/network";
import { unavailableDependency } from "@/server/unavailable";

export interface CheckResult {
  /** warning: working, but weaker than it should be (it does not make the report degraded). */
  status: "ok" | "warning" | "error";
  detail: string;
}

export interface HealthReport {
  status: "ok" | "degraded";
  checks: {
    docker: CheckResult;
    image: CheckResult;
    /** The OCI runtime sandboxes run under, and why. */
    runtime: CheckResult;
    database: CheckResult;
    objectStore: CheckResult;
    /** Whether setup containers' network keeps them out of this host and private ranges. */
    setupNetwork: CheckResult;
  };
}

const CHECK_TIMEOUT_MS = 5_000;
/** The runtime's first answer may run a probe container (gVisor starts in about a second). */
const RUNTIME_TIMEOUT_MS = 45_000;

async function check(run: () => Promise<string | CheckResult>, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const result = await Promise.race([run(), timeout]);
    return typeof result === "string" ? { status: "ok", detail: result } : result;
  } catch (error) {
    const down = unavailableDependency(error);
    if (down) return { status: "error", detail: `the ${down.dependency} is unreachable: ${down.reason}` };
    return { status: "error", detail: (error as Error).message.split("\n")[0] ?? "unknown error" };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every engine Sandpit depends on, in parallel, each with a time limit. */
export async function checkHealth(
  services: Pick<Services, "config" | "docker" | "runtime" | "database" | "store">,
): Promise<HealthReport> {
  const { config, docker, runtime, database, store } = services;
  const imageRef = runtimeImageRef(config.runtimeImage);
  const [dockerCheck, image, runtimeCheck, db, objectStore, setupNetwork] = await Promise.all([
    check(async () => {
      const version = await docker.version();
      return `Docker ${version.Version} (API ${version.ApiVersion})`;
    }),
    check(async () => {
      try {
        const info = await docker.getImage(imageRef).inspect();
        return `${imageRef} (${Math.round(info.Size / 1e6)} MB)`;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) {
          throw new Error(`runtime image ${imageRef} is missing; build it with: npm run image`);
        }
        throw error;
      }
    }),
    check(async () => {
      const choice = await runtime.choose();
      const what = choice.gvisor ? `${choice.name} (gVisor)` : choice.name;
      return { status: choice.fallback ? "warning" : "ok", detail: `${what}: ${choice.reason}` };
    }, RUNTIME_TIMEOUT_MS),
    check(async () => {
      await database.ping();
      return database.kind === "pglite" ? "PGlite (embedded)" : "PostgreSQL";
    }),
    check(async () => {
      await store.check();
      return store.description;
    }),
    check(async () => {
      const { status, detail } = await checkSetupNetwork(docker, config.setup);
      return { status, detail };
    }, 15_000),
  ]);
  const checks = { docker: dockerCheck, image, runtime: runtimeCheck, database: db, objectStore, setupNetwork };
  const status = Object.values(checks).every((c) => c.status !== "error") ? "ok" : "degraded";
  return { status, checks };
}
