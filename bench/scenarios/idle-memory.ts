import { spawn } from "node:child_process";
import { once } from "node:events";
import type Dockerode from "dockerode";
import { getConfig } from "@/server/config";
import { LABEL_ROLE, LABEL_SESSION } from "@/server/sandbox/engine/driver";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "@/test/cleanup";
import { testDocker } from "@/test/docker";
import { startServer, type RunningServer } from "@/test/server";
import { waitFor } from "@/test/wait";
import { cgroupMiB, memoryCgroup, pssMiB, residentMiB, runscOutside, settled } from "../memory";
import { result, type BenchResult } from "../result";
import { percentile, round } from "../stats";

// What an idle Sandpit costs in memory: the server process (PGlite, the default database), one idle
// sandbox on the host (its container's cgroup with the agent and the language runtime, plus gVisor's
// processes outside that cgroup), and how many idle sessions fit in a GiB. Each next to a baseline
// measured in the same run: a bare Node.js HTTP server, and the runtime image sleeping in a container.

const SESSIONS = 6;
const RUNTIMES = [
  { runtime: "runc", label: "runc", target: "≤ 24 MiB" },
  { runtime: "runsc", label: "gVisor (runsc, ptrace)", target: "≤ 48 MiB" },
] as const;

/** A container's memory on the host: its cgroup, plus gVisor's processes outside it (by PSS). */
async function containerMiB(docker: Dockerode, id: string): Promise<number> {
  const info = await docker.getContainer(id).inspect();
  const cgroup = memoryCgroup(info.State.Pid);
  return cgroupMiB(cgroup) + runscOutside(info.Id, cgroup).reduce((sum, pid) => sum + pssMiB(pid), 0);
}

/** The runtime image doing nothing (sleep) under `runtime`, with no Sandpit agent: its memory once settled. */
async function sleepingContainerMiB(docker: Dockerode, image: string, runtime: string): Promise<number> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ["sleep", "infinity"],
    Labels: { "dev.sandpit.test": "1" },
    HostConfig: { Runtime: runtime, NetworkMode: "none", AutoRemove: false },
  });
  try {
    await container.start();
    return await settled(() => containerMiB(docker, container.id));
  } finally {
    await container.remove({ force: true });
  }
}

/** A bare Node.js HTTP server that answered one request: its resident memory once settled. */
async function bareNodeMiB(): Promise<number> {
  const child = spawn(
    process.execPath,
    ["-e", "const s=require('http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const [chunk] = (await once(child.stdout, "data")) as [Buffer];
    await (await fetch(`http://127.0.0.1:${chunk.toString().trim()}/`)).text();
    return await settled(() => residentMiB(child.pid ?? 0));
  } finally {
    child.kill("SIGKILL");
  }
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The warm sandboxes (role `pool`) a server with this data folder has started. */
async function warmSandboxes(docker: Dockerode, dataDir: string): Promise<number> {
  const containers = await docker.listContainers({ filters: { label: [`${LABEL_ROLE}=pool`] } });
  return containers.filter((info) => info.Mounts.some((mount) => mount.Source.startsWith(`${dataDir}/`))).length;
}

/** Idle after it served a page and an API call, as after someone looked at it once: its resident memory. */
async function idleServerMiB(server: RunningServer): Promise<number> {
  await (await fetch(`${server.url}/`)).text();
  await call(server.url, "GET", "/api/sessions");
  return settled(() => residentMiB(server.pid));
}

export async function idleMemory(): Promise<BenchResult[]> {
  const { docker, image } = testDocker();
  const dataDir = tempDataDir("sandpit-bench-idle-");
  try {
    return await measure(docker, image, dataDir);
  } finally {
    await removeSandboxesOf(docker, dataDir);
    await removeDataDir(dataDir);
  }
}

async function measure(docker: Dockerode, image: string, dataDir: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const bare = await bareNodeMiB();
  // The first start makes the database (PGlite runs initdb in the server's process); every later
  // start opens it, as a server does from then on.
  let firstStart: number;
  {
    await using first = await startServer({}, { dataDir });
    firstStart = await idleServerMiB(first);
  }
  // Restarted with the settings `npm start` has, once its warm sandboxes (SANDPIT_WARM_POOL) are up.
  const warm = getConfig().pool.size;
  let idleServer: number;
  {
    await using restarted = await startServer({}, { dataDir });
    await waitFor(`${warm} warm sandboxes`, async () => (await warmSandboxes(docker, dataDir)) >= warm, 120_000);
    idleServer = await idleServerMiB(restarted);
  }
  for (const { runtime, label, target } of RUNTIMES) {
    // No warm sandboxes here: each session starts its own, whose container carries the session's id
    // (one taken from the pool keeps the label of the pool's slot).
    await using server = await startServer({ SANDPIT_DOCKER_RUNTIME: runtime, SANDPIT_WARM_POOL: "0" }, { dataDir });
    const before = await idleServerMiB(server);

    const sandboxes: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { id } = (await call(server.url, "POST", "/api/sessions", { language: "python" })) as { id: string };
      ids.push(id);
      const ran = await call(server.url, "POST", `/api/sessions/${id}/run`, { code: "print(1)" });
      if (ran.stdout !== "1\n") throw new Error(`unexpected run ${JSON.stringify(ran)}`);
      const [container] = await docker.listContainers({ filters: { label: [`${LABEL_SESSION}=${id}`] } });
      if (!container) throw new Error(`no container for session ${id}`);
      sandboxes.push(await settled(() => containerMiB(docker, container.Id)));
    }
    const after = await settled(() => residentMiB(server.pid));
    const sleeping = await sleepingContainerMiB(docker, image, runtime);
    for (const id of ids) await call(server.url, "DELETE", `/api/sessions/${id}`);

    const sandbox = percentile(sandboxes, 50);
    results.push(
      result(
        `idle sandbox on the host under ${label}: container cgroup (agent, Python after one run)${runtime === "runsc" ? " + runsc processes outside it (PSS)" : ""}, p50 of ${SESSIONS}`,
        round(sandbox, 1),
        "MiB",
        { name: `the runtime image sleeping (no agent) under ${label}`, value: round(sleeping, 1) },
        { target, samples: SESSIONS },
      ),
    );
    // Per session: its sandbox, and what the server holds for it.
    const perSession = sandboxes.reduce((a, b) => a + b, 0) / SESSIONS + Math.max(0, after - before) / SESSIONS;
    const perGiB = round(1024 / perSession, 1);
    const sleepingPerGiB = round(1024 / sleeping, 1);
    results.push({
      ...result(
        `idle sessions per GiB under ${label} (sandbox + server's share; server ${round(before, 0)} → ${round(after, 0)} MiB with ${SESSIONS}); ratio here = Sandpit ÷ baseline`,
        perGiB,
        "sessions",
        { name: `sleeping containers of the runtime image per GiB under ${label}`, value: sleepingPerGiB },
        { samples: SESSIONS },
      ),
      ratio: round(perGiB / sleepingPerGiB, 2),
    });
  }
  results.unshift(
    result(
      `idle server resident memory (one Node process, PGlite), restarted on its data folder, ${warm} warm sandboxes up, after serving a page (first start, which makes the database: ${round(firstStart, 0)} MiB)`,
      round(idleServer, 0),
      "MiB",
      { name: "a bare Node.js HTTP server (node -e, nothing loaded)", value: round(bare, 0) },
      { target: "≤ 250 MiB" },
    ),
  );
  return results;
}
