import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { exec } from "@/server/sandbox/shells";
import { sandboxHarness } from "@/test/sandbox";
import { result, type BenchResult } from "../result";
import { percentile, round, sample } from "../stats";

const execFileAsync = promisify(execFile);

/** Warm exec round-trip of `true` in a shell, next to `docker exec` of the same container. */
export async function warmExec(): Promise<BenchResult> {
  await using h = await sandboxHarness();
  const session = h.session();
  await exec(h.manager, session, { command: "true", shell: "bench" });
  const sandpit = await sample(300, () => exec(h.manager, session, { command: "true", shell: "bench" }), 30);
  const containerId = (await h.driver.list()).find((c) => c.sessionId === session)?.id ?? "";
  const docker = await sample(30, () => execFileAsync("docker", ["exec", containerId, "true"]), 3);
  return result(
    "warm exec round-trip (true in a shell), p50",
    round(percentile(sandpit, 50), 3),
    "ms",
    {
      name: "docker exec of the same container, p50",
      value: round(percentile(docker, 50), 1),
    },
    { target: "≤ 5 ms and ≥ 10× faster than docker exec", samples: sandpit.length },
  );
}

/** A brand-new session to its first output, next to `docker run --rm` of the runtime image. */
export async function coldStart(): Promise<BenchResult> {
  await using h = await sandboxHarness();
  const sandpit = await sample(
    12,
    async () => {
      const session = h.session();
      const out = await exec(h.manager, session, { command: "echo ready" });
      if (out.stdout !== "ready\n") throw new Error(`unexpected output ${out.stdout}`);
    },
    2,
  );
  const docker = await sample(
    12,
    () => execFileAsync("docker", ["run", "--rm", "--network", "none", h.image, "echo", "ready"]),
    2,
  );
  return result(
    "cold start: new session to first output, p50",
    round(percentile(sandpit, 50), 1),
    "ms",
    {
      name: "docker run --rm of the runtime image, p50",
      value: round(percentile(docker, 50), 1),
    },
    { target: "≤ 500 ms and ≤ 1.5× docker run --rm", samples: sandpit.length },
  );
}

/**
 * A brand-new session to its first output when a warm sandbox is ready for it (the pool refills
 * between samples, untimed), next to `docker run --rm` of the runtime image; plus what a refill
 * costs (starting one warm sandbox).
 */
export async function warmStart(): Promise<BenchResult[]> {
  await using h = await sandboxHarness({ pool: { size: 1, max: 1 } });
  h.manager.startPool();
  const pool = h.manager.pool;
  if (!pool) throw new Error("no warm pool");
  const times: number[] = [];
  for (let i = 0; i < 14; i++) {
    await pool.settled();
    const session = h.session();
    const start = process.hrtime.bigint();
    const out = await exec(h.manager, session, { command: "echo ready" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (out.stdout !== "ready\n") throw new Error(`unexpected output ${out.stdout}`);
    if (i >= 2) times.push(ms);
  }
  const { taken, missed, refillMs } = pool.snapshot();
  if (missed > 0 || taken < 14) throw new Error(`the pool missed ${missed} of ${taken + missed} sessions`);
  const docker = await sample(
    12,
    () => execFileAsync("docker", ["run", "--rm", "--network", "none", h.image, "echo", "ready"]),
    2,
  );
  const baseline = { name: "docker run --rm of the runtime image, p50", value: round(percentile(docker, 50), 1) };
  return [
    result(
      "warm start: new session to first output with a warm sandbox ready, p50",
      round(percentile(times, 50), 1),
      "ms",
      baseline,
      {
        target: "≤ 150 ms and ≤ 0.5× docker run --rm",
        samples: times.length,
      },
    ),
    result(
      "warm pool refill: starting one warm sandbox (its cost, paid off the request path), p50",
      round(percentile(refillMs, 50), 0),
      "ms",
      baseline,
      {
        samples: refillMs.length,
      },
    ),
  ];
}
