import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectTypes } from "./package-types.ts";

let base: string;
let root: string;
beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), "types-")));
  root = path.join(base, "node_modules");
  mkdirSync(root);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function put(rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

const all = { maxFiles: 100, maxBytes: 1_000_000, first: [] as string[] };

describe("collectTypes", () => {
  it("gives @types first, then the named packages, each with its entry first and a package.json of name and types", () => {
    put("aaa/package.json", '{"name":"aaa","types":"lib/x.d.ts"}');
    put("aaa/lib/x.d.ts", "x");
    put("aaa/a.d.ts", "a");
    put("named/index.d.ts", "n");
    put("@types/t/index.d.ts", "t");
    put("plain/index.js", "js only");
    const { found, truncated, skipped } = collectTypes(root, { ...all, first: ["named"] });
    expect(found.map((f) => f.path)).toEqual([
      "@types/t/package.json",
      "@types/t/index.d.ts",
      "named/package.json",
      "named/index.d.ts",
      "aaa/package.json",
      "aaa/lib/x.d.ts",
      "aaa/a.d.ts",
    ]);
    expect(JSON.parse(found[4]?.text ?? "")).toEqual({ name: "aaa", types: "lib/x.d.ts" });
    expect({ truncated, skipped }).toEqual({ truncated: false, skipped: 0 });
  });

  it("follows no link: not a package's, not a file's, not a folder's, not the root's", () => {
    const outside = path.join(base, "outside");
    mkdirSync(path.join(outside, "pkg"), { recursive: true });
    writeFileSync(path.join(outside, "secret.d.ts"), "secret");
    writeFileSync(path.join(outside, "pkg/index.d.ts"), "linked package");
    put("evil/ok.d.ts", "ok");
    symlinkSync(path.join(outside, "secret.d.ts"), path.join(root, "evil/index.d.ts"));
    symlinkSync("/etc/passwd", path.join(root, "evil/passwd.d.ts"));
    symlinkSync(outside, path.join(root, "evil/dir"));
    symlinkSync(path.join(outside, "pkg"), path.join(root, "linked"));
    const { found, skipped } = collectTypes(root, all);
    expect(found.map((f) => f.path)).toEqual(["evil/package.json", "evil/ok.d.ts"]);
    expect(skipped).toBe(3);

    const linkedRoot = path.join(base, "linked_modules");
    symlinkSync(root, linkedRoot);
    expect(collectTypes(linkedRoot, all).found).toEqual([]);
  });

  it("stops at the file and byte limits and says so", () => {
    for (let i = 0; i < 5; i++) put(`p/f${i}.d.ts`, "x".repeat(100));
    expect(collectTypes(root, { ...all, maxFiles: 3 })).toMatchObject({ truncated: true, found: { length: 3 } });
    const bytes = collectTypes(root, { ...all, maxBytes: 250 });
    expect(bytes.truncated).toBe(true);
    expect(bytes.found.reduce((sum, f) => sum + f.text.length, 0)).toBeLessThanOrEqual(250);
    expect(collectTypes(root, all)).toMatchObject({ truncated: false, found: { length: 6 } });
  });

  it("gives nothing when there is no node_modules", () => {
    expect(collectTypes(path.join(base, "missing"), all)).toEqual({ found: [], truncated: false, skipped: 0 });
  });
});
