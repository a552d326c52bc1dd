import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readFile } from "@/server/sandbox/files";
import { run } from "@/server/sandbox/runs";
import { startPackageServers, type PackageServers } from "@/test/package-servers";
import { setupHarness, type SetupHarness } from "@/test/setup";
import { unsealedIn } from "@/test/layers";

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
    expect(done.layer).toMatchObject({
      cache_hit: false,
      key: expect.stringMatching(/^layers\/[0-9a-f]{64}\.tar\.gz$/) as unknown,
    });
    expect(done.layer?.files).toBeGreaterThan(1000);

    const cases = [
      {
        language: "node",
        code: 'const ms = require("ms");\nconsole.log(ms(60000), require("lodash").chunk([1, 2, 3], 2).length)',
      },
      {
        language: "node",
        code: 'import ms from "ms";\nimport _ from "lodash";\nconsole.log(ms(60000), _.chunk([1, 2, 3], 2).length)',
      },
      {
        language: "typescript",
        code: 'import ms from "ms";\nconst n: number = require("lodash").chunk([1, 2, 3], 2).length;\nconsole.log(ms(60000), n)',
      },
    ] as const;
    for (const c of cases) {
      const result = await run(h.manager, session, { language: c.language, source: { code: c.code } });
      expect({ ...result, runId: "" }, c.code).toMatchObject({ stdout: "1m 2\n", stderr: "", exitCode: 0 });
    }
    await writeFileIn(session, "esm.mjs", 'import ms from "ms";\nconsole.log(ms(2000));\n');
    await writeFileIn(session, "cjs.js", 'console.log(require("ms")(3000));\n');
    await writeFileIn(session, "typed.ts", 'import ms from "ms";\nconst t: string = ms(4000);\nconsole.log(t);\n');
    expect((await run(h.manager, session, { language: "node", source: { entry: "esm.mjs" } })).stdout).toBe("2s\n");
    expect((await run(h.manager, session, { language: "node", source: { entry: "cjs.js" } })).stdout).toBe("3s\n");
    expect((await run(h.manager, session, { language: "typescript", source: { entry: "typed.ts" } })).stdout).toBe("4s\n");
    const deno = await run(h.manager, session, {
      language: "deno",
      source: { code: 'import ms from "npm:ms";\nconsole.log(ms(5000));' },
    });
    expect(deno).toMatchObject({ stdout: "5s\n", exitCode: 0 });
  });

  it("gives the same spec in another session a cache hit, with no setup container", async () => {
    const first = h.session();
    await h.setups.submit(first, { npm: ["ms@2.1.3"], commands: ["echo cached > marker.txt"] });
    expect((await h.setups.waitFor(first)).status).toBe("completed");
    const setupsBefore = h.driver.started.filter((s) => s.role === "setup").length;

    const second = h.session();
    const hit = await h.setups.submit(second, { commands: ["echo cached > marker.txt"], npm: ["ms@2.1.3"] });
    expect(hit).toMatchObject({ status: "completed", success: true, layer: { cache_hit: true } });
    expect(h.driver.started.filter((s) => s.role === "setup").length).toBe(setupsBefore);
    const result = await run(h.manager, second, {
      language: "bash",
      source: { code: "cat marker.txt; node -e 'console.log(require(\"ms\")(1000))'" },
    });
    expect(result.stdout).toBe("cached\n1s\n");
  });

  it("installs pip packages from a local index", async () => {
    const session = h.session();
    await h.setups.submit(session, { pip: ["sandpit-demo==0.1.0"] });
    const done = await h.setups.waitFor(session);
    expect(done).toMatchObject({ status: "completed", pip_packages: ["sandpit-demo==0.1.0"] });
    const result = await run(h.manager, session, {
      language: "python",
      source: { code: "import sandpit_demo\nprint(sandpit_demo.greet('you'))" },
    });
    expect(result).toMatchObject({ stdout: "hello you from a wheel\n", exitCode: 0 });
    expect(packages.requests).toContain("/simple/sandpit-demo/");
  });

  it("installs Go modules from a local module proxy and go run imports them", async () => {
    const session = h.session();
    await h.setups.submit(session, { go: ["example.com/greeting@v1.0.0"] });
    const done = await h.setups.waitFor(session);
    expect(done, done.stderr).toMatchObject({ status: "completed", go_modules: ["example.com/greeting@v1.0.0"] });
    const code =
      'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greeting"\n)\n\nfunc main() { fmt.Println(greeting.Hello("gopher")) }\n';
    const result = await run(h.manager, session, { language: "go", source: { code } });
    expect(result).toMatchObject({ stdout: "hello gopher from a module\n", stderr: "", exitCode: 0 });
    await writeFileIn(session, "cmd/hello.go", code.replace("gopher", "entry file"));
    const entry = await run(h.manager, session, { language: "go", source: { entry: "cmd/hello.go" } });
    expect(entry).toMatchObject({ stdout: "hello entry file from a module\n", stderr: "", exitCode: 0 });
    const entries = await layerEntries(done.layer?.key ?? "");
    expect(entries).toEqual(expect.arrayContaining(["./go/go.mod", "./go/go.sum"]));
  });

  it("keeps files that commands wrote into the workspace, and setup envs only in the setup", async () => {
    const session = h.session();
    await h.setups.submit(session, {
      commands: [
        'mkdir -p data && echo "token seen: $([ "$SETUP_TOKEN" = tok-123 ] && echo yes)" > data/proof.txt',
        "echo second >> data/proof.txt",
      ],
      envs: { SETUP_TOKEN: "tok-123" },
    });
    const done = await h.setups.waitFor(session);
    expect(done).toMatchObject({ status: "completed", commands_run: 2 });
    expect((await readFile(h.manager, session, "data/proof.txt")).data.toString()).toBe("token seen: yes\nsecond\n");
    const later = await run(h.manager, session, { language: "bash", source: { code: 'echo "${SETUP_TOKEN:-absent}"' } });
    expect(later.stdout).toBe("absent\n");
    expect((await layerBytes(done.layer?.key ?? "")).includes("tok-123")).toBe(false);
  });

  it("seals the layer it made before any session mounts it: root's, writable by nobody else, no setuid", async () => {
    const session = h.session();
    await h.setups.submit(session, {
      commands: ["echo private > secret.txt && chmod 0600 secret.txt && echo open > open.txt && chmod 4777 open.txt"],
    });
    const done = await h.setups.waitFor(session);
    expect(done).toMatchObject({ status: "completed" });
    const dir = h.layers.dirOf(done.layer?.key ?? "");
    const unsealed = unsealedIn(dir);
    expect(unsealed).toBe("");
    // The sandbox user reads what it made, as before, and cannot change the shared copy.
    const seen = await run(h.manager, session, {
      language: "bash",
      source: {
        code: "cat /opt/layer/workspace/secret.txt; echo x >> /opt/layer/workspace/open.txt || echo refused; cat secret.txt",
      },
    });
    expect(seen).toMatchObject({ stdout: "private\nrefused\nprivate\n", exitCode: 0 });
  });

  it("drops at start-up a layer an earlier version left to the sandbox user, and fetches it again sealed", async () => {
    const session = h.session();
    await h.setups.submit(session, { commands: ["echo original > kept.txt"] });
    const done = await h.setups.waitFor(session);
    const dir = h.layers.dirOf(done.layer?.key ?? "");
    // As an earlier version left it, after one of its sessions wrote through it: with a link to a
    // host file and a folder its owner made unwritable.
    writeFileSync(path.join(dir, "workspace", "kept.txt"), "poisoned\n");
    const hostFile = path.join(h.dataDir, "host-marker.txt");
    writeFileSync(hostFile, "host\n");
    symlinkSync(hostFile, path.join(dir, "workspace", "link"));
    mkdirSync(path.join(dir, "locked", "inner"), { recursive: true });
    writeFileSync(path.join(dir, "locked", "inner", "f"), "x");
    execFileSync("chown", ["-R", "1000:1000", dir]);
    execFileSync("chmod", ["0500", path.join(dir, "locked"), path.join(dir, "locked", "inner")]);
    await h.manager.hibernate(session);
    const helperRuns = vi.spyOn(h.helper, "run");
    try {
      await h.layers.recover();
      // Emptied in a helper container, not walked by the host.
      expect(helperRuns.mock.calls.map(([job]) => job.mounts.map((m) => m.target))).toEqual([["/doomed"]]);
    } finally {
      helperRuns.mockRestore();
    }
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(hostFile, "utf8")).toBe("host\n");
    expect(readdirSync(path.dirname(dir)).filter((name) => name.startsWith("."))).toEqual([]);
    const seen = await run(h.manager, session, { language: "bash", source: { code: "cat /opt/layer/workspace/kept.txt" } });
    expect(seen).toMatchObject({ stdout: "original\n", exitCode: 0 });
    expect(statSync(path.join(dir, "workspace", "kept.txt"))).toMatchObject({ uid: 0, gid: 0, mode: 0o100644 });
  });

  it("never stores the sensitive files", async () => {
    const session = h.session();
    const sensitive = [
      ".env",
      ".env.local",
      "credentials.json",
      "service-account.json",
      ".aws/credentials",
      ".ssh/id_rsa",
      ".netrc",
      ".dockercfg",
      ".npmrc",
      ".pypirc",
      "secrets.yaml",
    ];
    await h.setups.submit(session, {
      commands: [
        `mkdir -p .aws .ssh && for f in ${sensitive.join(" ")}; do echo SENSITIVE-VALUE > "$f"; done && echo fine > kept.txt`,
      ],
    });
    const done = await h.setups.waitFor(session);
    expect(done.status).toBe("completed");
    const entries = await layerEntries(done.layer?.key ?? "");
    expect(entries).toContain("./workspace/kept.txt");
    for (const name of sensitive) expect(entries).not.toContain(`./workspace/${name}`);
    expect((await layerBytes(done.layer?.key ?? "")).includes("SENSITIVE-VALUE")).toBe(false);
    const listing = await run(h.manager, session, { language: "bash", source: { code: "ls -A" } });
    expect(listing.stdout).toBe(".aws\n.ssh\nkept.txt\n");
  });

  it("fails on a package that does not exist, naming the step, with pip's stderr", async () => {
    const session = h.session();
    await h.setups.submit(session, { pip: ["no-such-package-here==1.0"], commands: ["echo never"] });
    const done = await h.setups.waitFor(session);
    // The cause in one line, with pip's own words for it.
    expect(done).toMatchObject({
      status: "failed",
      success: false,
      error: "the pip step failed: package not found — ERROR: No matching distribution found for no-such-package-here==1.0",
      layer: null,
    });
    expect(done.stderr).toContain("No matching distribution found for no-such-package-here==1.0");
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ["pip", "failed"],
      ["commands", "skipped"],
    ]);
  });
});

describe("Setup failures", () => {
  it("says when the package index cannot be reached, not that the package does not exist", async () => {
    // Nothing listens on the setup container's own port 9: pip's connections are refused at once.
    await using unreachable = await setupHarness({ mirrors: { pipIndexUrl: "http://127.0.0.1:9/simple" } });
    const session = unreachable.session();
    await unreachable.setups.submit(session, { pip: ["requests"] });
    const done = await unreachable.setups.waitFor(session);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/^the pip step failed: registry unreachable — .*(Connection refused|Failed to establish)/);
  });
});

async function writeFileIn(session: string, name: string, text: string): Promise<void> {
  const { writeFile } = await import("@/server/sandbox/files");
  await writeFile(h.manager, session, name, Buffer.from(text));
}

describe("Setup disk", () => {
  it("a setup that fills its disk fails on its own filesystem; nothing of it is left on the host", async () => {
    await using small = await setupHarness({ diskMb: 64 });
    expect(small.environment.diskMb).toBe(64);
    const session = small.session();
    await small.setups.submit(session, { commands: ["head -c 200000000 /dev/zero > big.bin"] });
    const done = await small.setups.waitFor(session);
    expect(done).toMatchObject({
      status: "failed",
      error: "the commands step failed: no space left — head: error writing 'standard output': No space left on device",
      layer: null,
    });
    expect(done.stderr).toContain("No space left on device");
    expect(readdirSync(small.dataDir).filter((name) => name.startsWith("setup-"))).toEqual([]);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(`${small.dataDir}/setup-`);
    // A setup that fits runs as usual, and its layer is adopted from its volume into the host's cache.
    const fits = small.session();
    await small.setups.submit(fits, { commands: ["head -c 1000000 /dev/zero > fits.bin && echo fits > ok.txt"] });
    expect(await small.setups.waitFor(fits)).toMatchObject({ status: "completed", success: true });
    const result = await run(small.manager, fits, { language: "bash", source: { code: "cat ok.txt; stat -c %s fits.bin" } });
    expect(result.stdout).toBe("fits\n1000000\n");
  });
});
