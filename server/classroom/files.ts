import "server-only";
import { createHash } from "node:crypto";
import { TEMPLATE_UPDATE_LIMITS } from "@/lib/limits";
import type { FileHashes } from "@/server/db/schema";
import { FileNotFoundError } from "@/server/sandbox/errors";
import * as files from "@/server/sandbox/files";
import type { SandboxManager } from "@/server/sandbox/manager";
import { InvalidRequestError } from "@/server/sessions/errors";
import { isSensitive } from "@/server/storage/sensitive";
import type { CopyFile } from "./plan";

/**
 * Folders of what programs and package managers make, never a class's starting files: updates
 * neither carry them nor weigh a student's copies of them (the same folders the file watch skips).
 */
const GENERATED = new Set(["node_modules", ".git", "__pycache__", ".venv", "venv", ".cache", "target", ".pytest_cache"]);

/**
 * Whether template updates carry a workspace path: not a sensitive file (forks leave those out
 * too), nor anything inside a folder of generated files.
 */
export function carried(path: string): boolean {
  return !isSensitive(path) && !path.split("/").some((part) => GENERATED.has(part));
}

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** A template's file as an update carries it. */
export interface TemplateFile {
  path: string;
  data: Buffer;
  mode: number;
  hash: string;
  /** As listed before it was read: what TemplateHashes compares to know the file again. */
  size: number;
  mtimeMs: number;
}

const mib = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/**
 * The template's files an update carries, read in its sandbox as the sandbox user (woken when
 * asleep). A template past TEMPLATE_UPDATE_LIMITS is refused with what to trim.
 */
export async function readTemplate(sandboxes: SandboxManager, templateId: string): Promise<TemplateFile[]> {
  const { files: maxFiles, fileBytes, totalBytes } = TEMPLATE_UPDATE_LIMITS;
  const entries = (await files.listFiles(sandboxes, templateId, ".", true)).filter(
    (entry) => entry.type === "file" && carried(entry.path),
  );
  if (entries.length > maxFiles)
    throw new InvalidRequestError(
      `this template has ${entries.length} files to send to its class, more than ${maxFiles}: remove some (generated folders such as node_modules and __pycache__ are never sent)`,
    );
  const big = entries.filter((entry) => entry.size > fileBytes).map((entry) => entry.path);
  if (big.length > 0)
    throw new InvalidRequestError(
      `template files are sent to the class up to ${mib(fileBytes)} each; too big: ${big.slice(0, 5).join(", ")}${big.length > 5 ? ` and ${big.length - 5} more` : ""}`,
    );
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (total > totalBytes)
    throw new InvalidRequestError(`this template's files come to ${mib(total)}; an update sends at most ${mib(totalBytes)}`);
  const out: TemplateFile[] = [];
  let read = 0;
  for (const entry of entries) {
    // Read with the same cap: a file that grew after it was listed is refused, not read whole.
    const { data } = await files.readFile(sandboxes, templateId, entry.path, fileBytes);
    read += data.length;
    if (read > totalBytes)
      throw new InvalidRequestError(`this template's files grew past ${mib(totalBytes)} while they were read; try again`);
    out.push({ path: entry.path, data, mode: entry.mode, hash: sha256(data), size: entry.size, mtimeMs: entry.mtimeMs });
  }
  return out;
}

/**
 * How a class copy has each of `paths` now, read in its sandbox as the sandbox user: absent, a
 * file's hash (null past the size updates carry, or once the copy's reading budget is spent: such
 * a file is never taken as untouched), or something that is not a regular file.
 */
export async function copyFiles(sandboxes: SandboxManager, copyId: string, paths: string[]): Promise<Map<string, CopyFile>> {
  const found = new Map<string, CopyFile>();
  if (paths.length === 0) return found;
  const listed = new Map((await files.listFiles(sandboxes, copyId, ".", true)).map((entry) => [entry.path, entry]));
  // A student's files at the weighed paths are read up to twice what a template may send.
  let budget = 2 * TEMPLATE_UPDATE_LIMITS.totalBytes;
  for (const path of paths) {
    const entry = listed.get(path);
    if (!entry) continue;
    if (entry.type !== "file") found.set(path, { type: "other" });
    else if (entry.size > TEMPLATE_UPDATE_LIMITS.fileBytes || entry.size > budget) found.set(path, { type: "file", hash: null });
    else {
      budget -= entry.size;
      try {
        const { data } = await files.readFile(sandboxes, copyId, path, TEMPLATE_UPDATE_LIMITS.fileBytes);
        found.set(path, { type: "file", hash: sha256(data) });
      } catch (error) {
        // Gone since it was listed: the student deleted it meanwhile.
        if (error instanceof FileNotFoundError) continue;
        if ((error as { code?: string }).code === "TOO_LARGE") found.set(path, { type: "file", hash: null });
        else throw error;
      }
    }
  }
  return found;
}

export type { FileHashes };
