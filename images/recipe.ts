import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The recipe folder; npm scripts and the server both run from the project root. */
export const RECIPE_DIR = path.join(process.cwd(), "images", "runtime");

/** The files of the runtime recipe, sorted, relative to RECIPE_DIR. */
export function recipeFiles(dir = RECIPE_DIR): string[] {
  return readdirSync(/*turbopackIgnore: true*/ dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A short hash of every recipe file's name and bytes: the runtime image's tag. */
export function recipeHash(dir = RECIPE_DIR): string {
  const hash = createHash("sha256");
  for (const file of recipeFiles(dir)) {
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(path.join(/*turbopackIgnore: true*/ dir, file)))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

/** The full image reference: `name:tag` as configured, else `name:<recipe hash>`. */
export function runtimeImageRef(configured: string, dir = RECIPE_DIR): string {
  const lastSegment = configured.split("/").at(-1) ?? configured;
  return lastSegment.includes(":") ? configured : `${configured}:${recipeHash(dir)}`;
}
