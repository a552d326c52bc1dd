import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RECIPE_DIR, recipeFiles, recipeHash, runtimeImageRef } from "./recipe";

function copyOfRecipe(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "recipe-"));
  cpSync(RECIPE_DIR, dir, { recursive: true });
  return dir;
}

describe("the runtime recipe hash", () => {
  it("covers the Dockerfile and is stable for the same files", () => {
    expect(recipeFiles()).toContain("Dockerfile");
    expect(recipeHash(copyOfRecipe())).toBe(recipeHash());
    expect(recipeHash()).toMatch(/^[0-9a-f]{12}$/);
  });

  it("changes when any recipe file changes", () => {
    const dir = copyOfRecipe();
    writeFileSync(path.join(dir, "Dockerfile"), "\n# changed\n", { flag: "a" });
    expect(recipeHash(dir)).not.toBe(recipeHash());
  });

  it("tags the configured name with the hash unless a tag is given", () => {
    expect(runtimeImageRef("sandpit-runtime")).toBe(`sandpit-runtime:${recipeHash()}`);
    expect(runtimeImageRef("registry.local:5000/team/runtime")).toBe(`registry.local:5000/team/runtime:${recipeHash()}`);
    expect(runtimeImageRef("team/runtime:pinned")).toBe("team/runtime:pinned");
  });
});
