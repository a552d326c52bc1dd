import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { exec } from "@/server/sandbox/shells";
import { anonymousCaller, browserCaller } from "@/server/sessions/caller";
import { testServices } from "@/test/services";
import { result, type BenchResult } from "../result";
import { percentile, round, sample } from "../stats";

/** A fork of a session with a workspace of `mb` MB, from the request until a command runs in it. */
async function forkOf(mb: number, target: string): Promise<BenchResult> {
  await using services = await testServices();
  const source = await services.sessions.create(anonymousCaller(), { language: "python", session_id: `bench-fork-${mb}-source` });
  // `mb` MB in 200 files of random (incompressible) bytes.
  const bytes = Math.round((mb * 1_048_576) / 200);
  await exec(services.sandboxes, source.id, {
    command: `mkdir -p data && for i in $(seq 1 200); do head -c ${bytes} /dev/urandom > data/f$i.bin; done && du -sm data | cut -f1`,
    timeoutMs: 120_000,
  });
  // The warm pool a server keeps (SANDPIT_WARM_POOL), started as the server starts it.
  services.sandboxes.startPool();
  let forked = 0;
  // As on a node between forks a few seconds apart: its warm pool is full again before each.
  const refilled = async (): Promise<void> => services.sandboxes.pool?.settled();
  const forks = await sample(
    7,
    async () => {
      const fork = await services.sessions.fork(anonymousCaller(), source.id, { id: `bench-fork-${mb}-${forked++}` });
      const out = await exec(services.sandboxes, fork.id, { command: "ls data | wc -l" });
      if (out.stdout !== "200\n") throw new Error(`the fork has ${out.stdout} files`);
    },
    0,
    refilled,
  );
  // Baseline: a brand-new session until a command runs (what the fork costs beyond a new session).
  const fresh = await sample(
    5,
    () => exec(services.sandboxes, `bench-fresh-${randomBytes(3).toString("hex")}`, { command: "true" }),
    0,
    refilled,
  );
  return result(
    `fork of a session with a ${mb} MB workspace until runnable, warm pool refilled between forks, p50`,
    round(percentile(forks, 50), 0),
    "ms",
    { name: "a new empty session until runnable, p50", value: round(percentile(fresh, 50), 0) },
    { target, samples: forks.length },
  );
}

export const forkRunnable = (): Promise<BenchResult> => forkOf(20, "≤ 1000 ms");
export const forkBig = (): Promise<BenchResult> => forkOf(200, "≤ 300 ms");

/**
 * 30 students join a class at once that nobody got ready: 30 forks of one template until every one
 * runs a command. The same after the teacher got the class ready is in class-joins.
 */
export async function classForks(): Promise<BenchResult[]> {
  await using services = await testServices();
  const template = await services.sessions.create(anonymousCaller(), {
    language: "python",
    session_id: "bench-class",
    setup: { commands: ["echo ready > ready.txt"] },
  });
  await services.setups.waitFor(template.id, 120_000);
  await exec(services.sandboxes, template.id, { command: "printf 'print(1)\\n' > main.py" });
  const cpuBefore = busyCpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const fork = await services.sessions.fork(browserCaller(`browser:student-${i}`), template.id, {
        id: `bench-student-${i}`,
      });
      const out = await exec(services.sandboxes, fork.id, { command: "cat ready.txt && python3 main.py" });
      if (out.stdout !== "ready\n1\n") throw new Error(`student ${i} got ${JSON.stringify(out)}`);
    }),
  );
  const all = performance.now() - started;
  const cpuTogether = busyCpuSeconds() - cpuBefore;
  // Baseline: the same 30 forks one after the other.
  const sequentialStart = performance.now();
  const cpuSequentialBefore = busyCpuSeconds();
  for (let i = 0; i < 30; i++) {
    const fork = await services.sessions.fork(anonymousCaller(), template.id, { id: `bench-seq-${i}` });
    await exec(services.sandboxes, fork.id, { command: "true" });
  }
  const sequential = performance.now() - sequentialStart;
  const cpuSequential = busyCpuSeconds() - cpuSequentialBefore;
  return [
    result(
      "30 class forks of one template until all runnable",
      round(all, 0),
      "ms",
      { name: "the same 30 forks one after another", value: round(sequential, 0) },
      { target: "≤ 3000 ms", samples: 30 },
    ),
    // What bounds the figure above on this host: the CPU every process of the host spent per fork
    // (the server, dockerd, containerd, gVisor, the sandboxes), against the cores there are.
    result(
      `host CPU time per class fork (30 at once, until runnable; ${cpus().length} cores)`,
      round((cpuTogether / 30) * 1000, 0),
      "ms",
      { name: "the same per fork, one after another", value: round((cpuSequential / 30) * 1000, 0) },
      { samples: 30 },
    ),
  ];
}

/** The unit of /proc/stat's counts. */
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU seconds the host spent busy since boot, all cores and processes (/proc/stat, not idle or iowait). */
function busyCpuSeconds(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}
