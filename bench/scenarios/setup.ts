import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { storeLayer } from "@/server/setup/runner";
import { startS3 } from "@/test/s3";
import { setupHarness } from "@/test/setup";
import { result, type BenchResult } from "../result";
import { percentile, round, sample } from "../stats";

/** What the npm step leaves for lodash: node/node_modules/lodash and the manifests (1,000+ files). */
function lodashLayer(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-layer-"));
  const node = path.join(dir, "node");
  execFileSync("bash", [
    "-c",
    `mkdir -p "${node}" && cd "${node}" && echo '{"name":"sandpit-layer","private":true}' > package.json && npm install lodash@4.17.21 --no-audit --no-fund --loglevel=error`,
  ]);
  return dir;
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/**
 * Persisting the lodash layer to an S3-protocol store, from the end of the npm step to the layer
 * stored, next to uploading the same files one by one to the same store (as the ERA agent does).
 */
export async function lodashPersist(): Promise<BenchResult> {
  await using s3 = await startS3();
  const store = s3.store("bench");
  const log = pino({ level: "silent" });
  const dir = lodashLayer();
  const files = filesOf(dir);
  try {
    const sandpit = await sample(
      9,
      () => storeLayer({ store, log }, `layers/bench-${randomBytes(4).toString("hex")}.tar.gz`, dir, 600_000),
      1,
    );
    const started = performance.now();
    const prefix = `per-file/${randomBytes(4).toString("hex")}`;
    for (const file of files) await store.put(`${prefix}/${file}`, readFileSync(path.join(dir, file)));
    const perFile = performance.now() - started;
    return result(
      `persist the lodash layer (${files.length} files) to an S3 store, p50`,
      round(percentile(sandpit, 50), 1),
      "ms",
      { name: "the same files uploaded one by one to the same store", value: round(perFile, 0) },
      { target: "≤ 1000 ms and ≥ 100× faster than per-file uploads", samples: sandpit.length },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A setup whose layer is already stored: from the create request to `completed`. */
export async function cacheHitSetup(): Promise<BenchResult> {
  await using h = await setupHarness();
  const spec = { npm: ["ms@2.1.3"], commands: ["echo ready > ready.txt"] };
  const first = performance.now();
  const session = h.session();
  await h.setups.submit(session, spec);
  await h.setups.waitFor(session);
  const uncached = performance.now() - first;
  const hits = await sample(20, async () => {
    const view = await h.setups.submit(h.session(), spec);
    if (view.status !== "completed" || !view.layer?.cache_hit) throw new Error("expected a cache hit");
  });
  return result(
    "cache-hit setup: create request to completed, p50",
    round(percentile(hits, 50), 1),
    "ms",
    { name: "the same setup without a stored layer", value: round(uncached, 0) },
    { target: "≤ 300 ms", samples: hits.length },
  );
}
