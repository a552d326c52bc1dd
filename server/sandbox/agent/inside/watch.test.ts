import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readNames } from "./dirs.ts";
import { changedPaths, readTree } from "./watch.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "watch-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("readTree and changedPaths", () => {
  it("tells added, changed and removed files in nested folders, not folders whose entries stayed", () => {
    mkdirSync(path.join(root, "src/deep"), { recursive: true });
    writeFileSync(path.join(root, "src/deep/a.py"), "a");
    writeFileSync(path.join(root, "keep.txt"), "k");
    const before = readTree(root);
    writeFileSync(path.join(root, "src/deep/a.py"), "changed");
    writeFileSync(path.join(root, "src/new.py"), "n");
    rmSync(path.join(root, "keep.txt"));
    expect(changedPaths(before, readTree(root))).toEqual(["keep.txt", "src/deep/a.py", "src/new.py"]);
  });

  it("sees a change of time alone, and nothing when nothing changed", () => {
    writeFileSync(path.join(root, "a.txt"), "same");
    const before = readTree(root);
    expect(changedPaths(before, readTree(root))).toEqual([]);
    utimesSync(path.join(root, "a.txt"), new Date(2000, 1, 1), new Date(2000, 1, 1));
    expect(changedPaths(before, readTree(root))).toEqual(["a.txt"]);
  });

  it("does not follow symlinks or walk package folders", () => {
    mkdirSync(path.join(root, "node_modules/pkg"), { recursive: true });
    writeFileSync(path.join(root, "node_modules/pkg/index.js"), "x");
    symlinkSync("/etc", path.join(root, "etc-link"));
    const tree = readTree(root);
    expect([...tree.entries.keys()].sort()).toEqual(["etc-link", "node_modules"]);
  });

  it("stops at the entry limit and says the tree was cut", () => {
    for (let i = 0; i < 10; i++) writeFileSync(path.join(root, `f${i}`), "x");
    const tree = readTree(root, 4);
    expect(tree.entries.size).toBe(4);
    expect(tree.truncated).toBe(true);
    expect(readTree(root).truncated).toBe(false);
  });
});

describe("readNames", () => {
  it("reads no more names than asked for, and says when there are more", () => {
    for (let i = 0; i < 50; i++) writeFileSync(path.join(root, `n${i}`), "");
    const some = readNames(root, 10);
    expect(some.names).toHaveLength(10);
    expect(some.more).toBe(true);
    const all = readNames(root, 50);
    expect(all.names.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`).sort());
    expect(all.more).toBe(false);
  });

  it("cuts a wide folder's tree at the entry limit without listing the rest", () => {
    mkdirSync(path.join(root, "wide"));
    for (let i = 0; i < 30; i++) writeFileSync(path.join(root, "wide", `f${i}`), "");
    const tree = readTree(root, 5);
    expect(tree.entries.size).toBe(5);
    expect(tree.truncated).toBe(true);
  });
});
