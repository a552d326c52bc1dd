import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_TYPES_LIMITS } from "@/lib/limits";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import type { Services } from "@/server/services";
import { keyCaller, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
let owner: Identity;

beforeAll(async () => {
  services = await testServices();
  owner = keyCaller((await services.apiKeys.create("owner", 10_000)).info.id);
}, 300_000);
afterAll(async () => services?.[Symbol.asyncDispose]());

const NM = "/opt/layer/node/node_modules";

/** A session whose setup's commands lay out a node_modules by hand (no registry needed). */
async function sessionWith(id: string, script: string): Promise<ReturnType<typeof createCaller>> {
  await services.sessions.create(owner, { language: "typescript", session_id: id, setup: { commands: [`set -e\n${script}`] } });
  const done = await services.setups.waitFor(id);
  expect(done, done.stderr).toMatchObject({ status: "completed" });
  return createCaller(createContextInner(services, owner));
}

describe("The editor's package types", () => {
  it("gives the layer's declarations, @types and the named packages first, without following links, cut at the file limit", async () => {
    const api = await sessionWith(
      "types-main",
      `mkdir -p ${NM}/@types/fake ${NM}/typed/dist/deep ${NM}/evil ${NM}/untyped ${NM}/zmany ${NM}/typed/node_modules/inner
echo '{"name":"@types/fake","types":"index.d.ts"}' > ${NM}/@types/fake/package.json
echo 'export declare function chunk<T>(a: T[], n: number): T[][];' > ${NM}/@types/fake/index.d.ts
echo '{"name":"typed","version":"1.0.0","types":"./dist/main.d.ts","scripts":{"x":"y"}}' > ${NM}/typed/package.json
echo 'export declare const typed: number;' > ${NM}/typed/dist/main.d.ts
echo 'export declare const deep: number;' > ${NM}/typed/dist/deep/deep.d.ts
echo 'export declare const inner: number;' > ${NM}/typed/node_modules/inner/index.d.ts
echo 'module.exports = 1;' > ${NM}/untyped/index.js
echo '{"name":"evil","types":"index.d.ts"}' > ${NM}/evil/package.json
echo 'export declare const fine: number;' > ${NM}/evil/fine.d.ts
ln -s /etc/passwd ${NM}/evil/index.d.ts
ln -s /workspace/outside.d.ts ${NM}/evil/outside.d.ts
ln -s /etc ${NM}/evil/etc
ln -s /opt/sandpit-tools/node_modules/typescript ${NM}/linked
echo '{"name":"zmany"}' > ${NM}/zmany/package.json
for i in $(seq 1 ${PACKAGE_TYPES_LIMITS.files + 50}); do echo "export declare const v$i: number;" > ${NM}/zmany/f$i.d.ts; done`,
    );
    // A file outside the layer that a link points at: it must not come back either.
    await services.actions.writeFile(owner, "types-main", "outside.d.ts", Buffer.from("export declare const leaked: 1;\n"));

    const types = await api.files.packageTypes({ id: "types-main" });
    const paths = types.files.map((file) => file.path);
    // @types first; then by name (the setup names no npm package here), each package's entry first.
    expect(paths.slice(0, 7)).toEqual([
      "@types/fake/package.json",
      "@types/fake/index.d.ts",
      "evil/package.json",
      "evil/fine.d.ts",
      "typed/package.json",
      "typed/dist/main.d.ts",
      "typed/dist/deep/deep.d.ts",
    ]);
    expect(JSON.parse(types.files[4]?.text ?? "")).toEqual({ name: "typed", types: "./dist/main.d.ts" });
    expect(types.files[1]?.text).toContain("chunk<T>");
    // Links are skipped, whatever they point at; nested node_modules and untyped packages are left out.
    for (const file of types.files) {
      expect(file.path).not.toMatch(/^(?:evil\/(?:index|outside)\.d\.ts|evil\/etc\/|linked\/|untyped\/)|node_modules/);
      expect(file.text).not.toContain("root:x:0:0");
      expect(file.text).not.toContain("leaked");
    }
    expect(types.skipped).toBeGreaterThanOrEqual(3);
    // Cut at the file limit, and said so.
    expect(types.files).toHaveLength(PACKAGE_TYPES_LIMITS.files);
    expect(types.truncated).toBe(true);
    expect(paths.at(-1)).toMatch(/^zmany\/f\d+\.d\.ts$/);

    // Someone else cannot read them.
    const stranger = createCaller(createContextInner(services, keyCaller("stranger")));
    await expect(stranger.files.packageTypes({ id: "types-main" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  }, 300_000);

  it("stops at the byte limit", async () => {
    const api = await sessionWith(
      "types-bytes",
      `mkdir -p ${NM}/big
echo '{"name":"big","types":"b1.d.ts"}' > ${NM}/big/package.json
for i in 1 2 3 4 5 6; do head -c 900000 /dev/zero | tr '\\0' ' ' > ${NM}/big/b$i.d.ts; done`,
    );
    const types = await api.files.packageTypes({ id: "types-bytes" });
    const bytes = types.files.reduce((sum, file) => sum + Buffer.byteLength(file.text), 0);
    expect(bytes).toBeLessThanOrEqual(PACKAGE_TYPES_LIMITS.bytes);
    expect(types.files.map((file) => file.path)).toEqual([
      "big/package.json",
      "big/b1.d.ts",
      "big/b2.d.ts",
      "big/b3.d.ts",
      "big/b4.d.ts",
    ]);
    expect(types.truncated).toBe(true);
  }, 300_000);

  it("gives nothing when the layer's node_modules is itself a link", async () => {
    const api = await sessionWith("types-linked-root", `mkdir -p /opt/layer/node && ln -s /opt/sandpit-tools/node_modules ${NM}`);
    expect(await api.files.packageTypes({ id: "types-linked-root" })).toMatchObject({ files: [], truncated: false });
    // The sandbox user can read what the link points at: only the agent's refusal keeps it out.
    const listed = await services.actions.exec(owner, "types-linked-root", { command: `ls ${NM}/typescript/lib | head -1` });
    expect(listed.stdout.trim()).not.toBe("");
  }, 300_000);

  it("gives nothing for a session without a setup", async () => {
    await services.sessions.create(owner, { language: "typescript", session_id: "types-none" });
    const api = createCaller(createContextInner(services, owner));
    expect(await api.files.packageTypes({ id: "types-none" })).toMatchObject({ files: [], truncated: false, skipped: 0 });
  });
});
