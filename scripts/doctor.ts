import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { runtimeImageRef } from "@/images/recipe";
import { ConfigError, loadConfig, type Config } from "@/server/config";
import { openDatabase } from "@/server/db/client";
import { checkHealth, type HealthReport } from "@/server/health/health";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { runOneShot } from "@/server/sandbox/engine/one-shot";
import { RuntimeSelector } from "@/server/sandbox/engine/runtime";
import { hasTool, VolumeWorkspaces } from "@/server/sandbox/workspaces/store";
import { openObjectStore } from "@/server/storage";

// `npm run doctor`: checks every dependency and prints ok, or the exact problem and its fix.
let failures = 0;
const ok = (name: string, detail: string): void => console.log(`  ok    ${name.padEnd(16)} ${detail}`);
const bad = (name: string, problem: string, fix: string): void => {
  failures += 1;
  console.log(`  FAIL  ${name.padEnd(16)} ${problem}\n        ${"".padEnd(16)} fix: ${fix}`);
};
const warn = (name: string, problem: string, fix: string): void =>
  console.log(`  WARN  ${name.padEnd(16)} ${problem}\n        ${"".padEnd(16)} fix: ${fix}`);

console.log("Sandpit doctor\n");

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major > 20 || (major === 20 && minor >= 9)) ok("Node.js", process.version);
else bad("Node.js", `${process.version} is too old`, "install Node.js 20.9 or newer");

let config: Config;
try {
  config = loadConfig();
  ok("configuration", `data in ${config.dataDir}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  bad("configuration", error.problems.join("; "), "correct the variables named above (see README, Configuration)");
  process.exit(1);
}

const docker = createDockerClient(config.docker);

/** The running server's own report, when one answers: its embedded database must not be opened twice. */
async function serverReport(): Promise<HealthReport | undefined> {
  try {
    const response = await fetch(`http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}/api/health`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as Partial<HealthReport>;
    return body.checks ? (body as HealthReport) : undefined;
  } catch {
    return undefined;
  }
}

let report = await serverReport();
if (report) ok("Sandpit server", `answering on port ${config.port}`);
else {
  const database = openDatabase(config.database);
  const runtime = new RuntimeSelector({
    docker,
    image: runtimeImageRef(config.runtimeImage),
    setting: config.docker.runtime,
    limits: config.limits,
    log: pino({ level: "silent" }),
  });
  report = await checkHealth({ config, docker, runtime, database, store: openObjectStore(config.objectStore) });
  await database.close();
}
const { checks } = report;
if (checks.docker.status === "ok") ok("Docker engine", checks.docker.detail);
else
  bad(
    "Docker engine",
    checks.docker.detail,
    "npm run docker:ensure (installs and starts Debian's docker.io as root), or start Docker / set DOCKER_HOST",
  );

const image = runtimeImageRef(config.runtimeImage);
if (checks.image.status === "ok") {
  ok("runtime image", checks.image.detail);
  const probe = await runOneShot(docker, image, [
    "bash",
    "-c",
    'echo "python $(python3 -c "import platform; print(platform.python_version())")"; echo "node $(node --version)"; echo "npm $(npm --version)"; echo "tsx $(tsx --version | head -1 | cut -d" " -f2)"; echo "deno $(deno --version | head -1 | cut -d" " -f2)"; echo "go $(go version | cut -d" " -f3)"; echo "git $(git --version | cut -d" " -f3)"',
  ]);
  for (const line of probe.stdout.trim().split("\n")) {
    const [tool = "", version = ""] = line.split(" ");
    if (version && !version.startsWith("(")) ok(`  ${tool}`, version);
    else bad(`  ${tool}`, `not working in ${image}`, "npm run image");
  }
} else {
  bad("runtime image", checks.image.detail, "npm run image");
}

// A server from before the runtime check has none.
const runtimeCheck = checks.runtime as HealthReport["checks"]["runtime"] | undefined;
if (runtimeCheck?.status === "ok") ok("sandbox runtime", runtimeCheck.detail);
else if (runtimeCheck?.status === "warning")
  warn(
    "sandbox runtime",
    runtimeCheck.detail,
    runtimeCheck.detail.includes("has no runtime")
      ? "as root: npm run docker:ensure (installs gVisor's runsc and registers it with Docker)"
      : "install a newer gVisor release (gvisor.dev) as runsc, or set SANDPIT_DOCKER_RUNTIME=runc to accept runc",
  );
else if (runtimeCheck)
  bad("sandbox runtime", runtimeCheck.detail, "register the runtime SANDPIT_DOCKER_RUNTIME names with Docker, or set it to auto");

if (checks.database.status === "ok") ok("database", checks.database.detail);
else bad("database", checks.database.detail, "check DATABASE_URL, or unset it to use the embedded PGlite database");

if (checks.objectStore.status === "ok") ok("object store", checks.objectStore.detail);
else
  bad("object store", checks.objectStore.detail, "check OBJECT_STORE_URL and its credentials, or unset it to use a local folder");

// A server from before the setup network check has none.
const setupNetwork = checks.setupNetwork as HealthReport["checks"]["setupNetwork"] | undefined;
const setupFix =
  "as root: bash scripts/ensure-setup-network.sh (npm start and npm test run it; SANDPIT_SETUP_ALLOW for a private mirror)";
if (setupNetwork?.status === "ok") ok("setup network", setupNetwork.detail);
else if (setupNetwork?.status === "warning") warn("setup network", setupNetwork.detail, setupFix);
else if (setupNetwork) bad("setup network", setupNetwork.detail, setupFix);

const volumes = VolumeWorkspaces.supported();
const size = `${config.limits.workspaceMb} MiB`;
if (config.workspaceQuota !== "folder" && volumes) {
  ok("workspaces", `volumes of ${size} each (loop-mounted ext4)`);
  // Where a fork's copy of a volume goes (SANDPIT_VOLUME_POOL): cloned in milliseconds, or copied in full.
  if (existsSync(path.join(config.dataDir, "volumes.xfs")))
    ok("fork copies", "volumes live in the data folder's XFS image (volumes.xfs): a fork clones its source's volume");
  else if (config.volumePool === "off") ok("fork copies", "SANDPIT_VOLUME_POOL=off: on the data folder's filesystem");
  else if (!hasTool("mkfs.xfs"))
    warn(
      "fork copies",
      "mkfs.xfs is missing: on ext4, forks copy workspace volumes in full",
      "install xfsprogs (as root, npm run docker:ensure does)",
    );
  else ok("fork copies", "the next start keeps volumes in an XFS image (volumes.xfs) unless the data folder shares blocks");
} else if (config.workspaceQuota === "volume")
  bad("workspaces", "volumes asked for, but this host cannot mount them", "run as root with loop devices and e2fsprogs");
else ok("workspaces", "plain folders: a session can fill the data folder's disk (volumes need root and e2fsprogs)");

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(chromium)) {
  const version = execFileSync(chromium, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  ok("Chromium (tests)", version);
} else {
  bad("Chromium (tests)", `${chromium} is missing`, "bash scripts/ensure-chromium.sh (Debian: apt-get install chromium)");
}

console.log(failures === 0 ? "\nEverything Sandpit needs is in place." : `\n${failures} problem(s) found.`);
process.exit(failures === 0 ? 0 : 1);
