import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureAgentBundle } from "@/server/sandbox/agent/bundle";
import { describeMachine } from "./machine";
import type { BenchResult } from "./result";
import { gvisorColdStart, gvisorNpmSetup, gvisorPython, gvisorWarmExec } from "./scenarios/runtimes";
import { coldStart, warmExec, warmStart } from "./scenarios/sandbox";
import { cacheHitSetup, lodashPersist } from "./scenarios/setup";
import { classJoins } from "./scenarios/classroom";
import { classForks, forkBig, forkRunnable } from "./scenarios/forks";
import { idleMemory } from "./scenarios/idle-memory";
import { load } from "./scenarios/load";
import { previewRelay } from "./scenarios/preview";
import { terminalTyping } from "./scenarios/terminal";

// `npm run bench [name…]`: runs the scenarios, each next to a baseline measured in the same run,
// and records bench/results/latest.json and bench/RESULTS.md.
// A scenario gives one figure, or several (e.g. p50 and p95 of the same measurement).
const scenarios: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  "warm-exec": warmExec,
  "cold-start": coldStart,
  "warm-start": warmStart,
  "lodash-layer": lodashPersist,
  "cache-hit-setup": cacheHitSetup,
  "terminal-typing": terminalTyping,
  "fork-20mb": forkRunnable,
  "fork-200mb": forkBig,
  "class-forks": classForks,
  "class-joins": classJoins,
  load,
  preview: previewRelay,
  "gvisor-cold-start": gvisorColdStart,
  "gvisor-warm-exec": gvisorWarmExec,
  "gvisor-python": gvisorPython,
  "gvisor-npm-setup": gvisorNpmSetup,
  "idle-memory": idleMemory,
};

const wanted = process.argv.slice(2);
// Scenarios start sandboxes themselves, not only through a server: they run the current agent.
const bundled = await ensureAgentBundle();
if (bundled) console.log(bundled);
const results: BenchResult[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`[bench] ${name} … `);
  const outcomes = [await scenario()].flat().map((outcome) => ({ ...outcome, scenario: name }));
  results.push(...outcomes);
  for (const outcome of outcomes)
    console.log(`${outcome.value} ${outcome.unit} (baseline ${outcome.baseline.value} ${outcome.unit}, ratio ${outcome.ratio})`);
}

const dir = path.join(process.cwd(), "bench");
mkdirSync(path.join(dir, "results"), { recursive: true });
// A partial run (named scenarios) updates its own rows and keeps the others.
const latestFile = path.join(dir, "results", "latest.json");
const previous: BenchResult[] = existsSync(latestFile) ? (JSON.parse(readFileSync(latestFile, "utf8")) as BenchResult[]) : [];
const merged = Object.keys(scenarios).flatMap((name) => {
  const fresh = results.filter((r) => r.scenario === name);
  return fresh.length > 0 ? fresh : previous.filter((r) => r.scenario === name);
});
writeFileSync(latestFile, `${JSON.stringify(merged, null, 2)}\n`);
const machine = describeMachine();
const rows = merged.map(
  (r) =>
    `| ${r.name} | ${r.value} ${r.unit} | ${r.baseline.name} | ${r.baseline.value} ${r.unit} | ${r.ratio}× | ${r.target ?? ""} |`,
);
writeFileSync(
  path.join(dir, "RESULTS.md"),
  [
    "# Benchmark results",
    "",
    `Recorded ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on ${machine}.`,
    "Each figure is measured next to its baseline in the same run; ratio = baseline ÷ Sandpit (higher is better).",
    "",
    "| scenario | Sandpit | baseline | baseline value | ratio | target |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
console.log(`[bench] wrote bench/results/latest.json and bench/RESULTS.md`);
