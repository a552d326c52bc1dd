import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "@/server/sandbox/files";
import { run } from "@/server/sandbox/runs";
import { startPackageServers, type PackageServers } from "@/test/package-servers";
import { setupHarness, type SetupHarness } from "@/test/setup";

let h: SetupHarness;
let packages: PackageServers;

beforeAll(async () => {
  packages = await startPackageServers();
  h = await setupHarness({ mirrors: { pipIndexUrl: packages.pipIndexUrl, goproxy: packages.goproxy, gosumdb: "off" } });
});
afterAll(async () => {
  await h[Symbol.asyncDispose]();
  await packages[Symbol.asyncDispose]();
});

/** The names of the entries of a stored layer. */
async function layerEntries(key: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "layer-"));
  const file = path.join(dir, "layer.tar.gz");
  writeFileSync(file, await buffer(await h.store.get(key)));
  return execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n").filter(Boolean);
}

async function layerBytes(key: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), "layer-"));
  const file = path.join(dir, "layer.tar.gz");
  writeFileSync(file, await buffer(await h.store.get(key)));
  return execFileSync("bash", ["-c", `tar -xzOf "${file}" 2>/dev/null || true`], { maxBuffer: 256 * 1024 * 1024 });
}

describe("Setup", () => {
  it("installs npm packages from the registry and every runner finds them", async () => {
    const session = h.session();
    const submitted = await h.setups.submit(session, { npm: ["ms@2.1.3", "lodash@4.17.21"] });
    expect(submitted.status).toBe("pending");
    const done = await h.setups.waitFor(session);
    expect(done).toMatchObject({ status: "completed", success: true, npm_packages: ["lodash@4.17.21", "ms@2.1.3"], error: null });
    expect(done.steps).toEqual([expect.objectContaining({ name: "npm", status: "completed", exit_code: 0 })]);
    expect(done.layer).toMatchObject({ cache_hit: false, key: expect.stringMatching(/^layers\/[0-9a-f]{64}\.tar\.gz$/) as unknown });
    expect(done.layer?.files).toBeGreaterThan(1000);

    const cases = [
      { language: "node", code: 'const ms = require("ms");\nconsole.log(ms(60000), require("lodash").chunk([1, 2, 3], 2).length)' },
      { language: "node", code: 'import ms from "ms";\nimport _ from "lodash";\nconsole.log(ms(60000), _.chunk([1, 2, 3], 2).length)' },
      { language: "typescript", code: 'import ms from "ms";\nconst n: number = require("lodash").chunk([1, 2, 3], 2).length;\nconsole.log(ms(60000), n)' },
    ] as const;
    for (const c of cases) {
      const result = await run(h.manager, session, { language: c.language, source: { code: c.code } });
      expect({ ...result, runId: "" }, c.code).toMatchObject({ stdout: "1m 2\n", stderr: "", exitCode: 0 });
    }
    await h.setups.submit(h.session(), { npm: ["ms@2.1.3", "lodash@4.17.21"] }); // warms nothing: cache hit below
  });
});
