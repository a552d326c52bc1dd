import { randomBytes } from "node:crypto";
import { exec } from "@/server/sandbox/shells";
import { sandboxHarness } from "@/test/sandbox";
import { setupHarness } from "@/test/setup";
import { result, type BenchResult } from "../result";
import { percentile, round, sample } from "../stats";

// gVisor (runsc) next to runc: each figure is Sandpit under runsc, its baseline the same under runc.
// (Each harness is disposed when its function returns: the samples are awaited before that.)

const GVISOR = "runsc";
const RUNC = "runc";

async function coldStartUnder(runtime: string): Promise<number[]> {
  await using h = await sandboxHarness({ runtime });
  return await sample(
    8,
    async () => {
      const out = await exec(h.manager, h.session(), { command: "echo ready" });
      if (out.stdout !== "ready\n") throw new Error(`unexpected output ${out.stdout}`);
    },
    1,
  );
}

/** A command in a warm sandbox's shell, p50. */
async function warmUnder(runtime: string, command: string, count: number): Promise<number[]> {
  await using h = await sandboxHarness({ runtime });
  const session = h.session();
  await exec(h.manager, session, { command: "true", shell: "bench" });
  return await sample(count, () => exec(h.manager, session, { command, shell: "bench" }), Math.ceil(count / 10));
}

/** An npm setup (one small package, never cached: a unique command) from submit to completed. */
async function npmSetupUnder(runtime: string): Promise<number[]> {
  await using h = await setupHarness({ runtime });
  return await sample(3, async () => {
    const session = h.session();
    await h.setups.submit(session, { npm: ["ms@2.1.3"], commands: [`echo ${randomBytes(4).toString("hex")} > ready.txt`] });
    const view = await h.setups.waitFor(session);
    if (view.status !== "completed") throw new Error(`setup ended ${view.status}: ${view.error ?? ""}`);
  });
}

function compare(name: string, runsc: number[], runc: number[], digits = 1): BenchResult {
  return result(
    `${name} under gVisor (runsc, ptrace), p50`,
    round(percentile(runsc, 50), digits),
    "ms",
    { name: "the same under runc, p50", value: round(percentile(runc, 50), digits) },
    { samples: runsc.length },
  );
}

export async function gvisorColdStart(): Promise<BenchResult> {
  return compare("cold start: new session to first output", await coldStartUnder(GVISOR), await coldStartUnder(RUNC));
}

export async function gvisorWarmExec(): Promise<BenchResult> {
  return compare(
    "warm exec round-trip (true in a shell)",
    await warmUnder(GVISOR, "true", 100),
    await warmUnder(RUNC, "true", 100),
    2,
  );
}

export async function gvisorPython(): Promise<BenchResult> {
  const command = "python3 -c pass";
  return compare("python3 -c pass in a warm sandbox", await warmUnder(GVISOR, command, 20), await warmUnder(RUNC, command, 20));
}

export async function gvisorNpmSetup(): Promise<BenchResult> {
  return compare(
    "npm setup (ms@2.1.3, uncached): submit to completed",
    await npmSetupUnder(GVISOR),
    await npmSetupUnder(RUNC),
    0,
  );
}
