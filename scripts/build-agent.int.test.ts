import { execFile } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { agentBundleDir } from "@/server/sandbox/agent/bundle";
import { AGENT_FILE } from "@/server/sandbox/engine/driver";

const execFileAsync = promisify(execFile);
const root = process.cwd();
const sources = path.join(root, "server", "sandbox", "agent", "inside");
const work = mkdtempSync(path.join(tmpdir(), "sandpit-agent-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the bundler; resolves with what it printed (a line when it built). */
async function bundle(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [path.join(root, "scripts", "build-agent.mjs"), ...args], {
    cwd: root,
  });
  return stdout.trim();
}

describe("the agent's bundle (scripts/build-agent.mjs)", () => {
  it("is one JavaScript file that imports nothing but Node.js's own modules", async () => {
    const out = path.join(work, "plain");
    expect(await bundle("--out", out)).toContain("bundled");
    const file = path.join(out, AGENT_FILE);
    // The host's Node.js 20 strips no types: a TypeScript annotation left in would fail this check.
    await execFileAsync(process.execPath, ["--check", file]);
    const imports = [...readFileSync(file, "utf8").matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((specifier) => !specifier?.startsWith("node:"))).toEqual([]);
  });

  it("is built again only when a source changed", async () => {
    const copy = path.join(work, "sources");
    const out = path.join(work, "copy");
    cpSync(sources, copy, { recursive: true });
    const file = path.join(out, AGENT_FILE);
    expect(await bundle("--sources", copy, "--out", out)).toContain("bundled");
    const first = statSync(file).mtimeMs;
    const stamp = readFileSync(file, "utf8").split("\n")[0];

    expect(await bundle("--sources", copy, "--out", out)).toBe("");
    expect(statSync(file).mtimeMs).toBe(first);

    appendFileSync(path.join(copy, "context.ts"), "\n// changed\n");
    expect(await bundle("--sources", copy, "--out", out)).toContain("bundled");
    const changed = readFileSync(file, "utf8").split("\n")[0];
    expect(changed).not.toBe(stamp);

    writeFileSync(path.join(copy, "extra.ts"), "export const extra = 1;\n");
    expect(await bundle("--sources", copy, "--out", out)).toContain("bundled");
    expect(readFileSync(file, "utf8").split("\n")[0]).not.toBe(changed);
  });

  it("is made again, root's, when another user could change it (run as root, as the server is)", async () => {
    const out = path.join(work, "owned");
    const file = path.join(out, AGENT_FILE);
    expect(await bundle("--out", out)).toContain("bundled");
    expect(await bundle("--out", out)).toBe("");
    chownSync(file, 1000, 1000);
    expect(await bundle("--out", out)).toContain("bundled");
    expect(statSync(file)).toMatchObject({ uid: 0, mode: 0o100644 });
    chmodSync(file, 0o666);
    expect(await bundle("--out", out)).toContain("bundled");
    expect(statSync(file)).toMatchObject({ uid: 0, mode: 0o100644 });
    expect(await bundle("--out", out)).toBe("");
  });

  it("is where sandboxes mount it, up to date with the sources (the integration tests' global setup built it)", async () => {
    expect(await bundle()).toBe("");
    expect(readFileSync(path.join(agentBundleDir(), AGENT_FILE), "utf8")).toMatch(/^\/\/ sandpit-agent [0-9a-f]{64}\n/);
  });
});
