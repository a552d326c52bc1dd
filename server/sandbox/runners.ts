import path from "node:path";
import { getLanguage, type LanguageId } from "@/lib/languages";
import type { RunFile } from "./agent/inside/protocol";
import { InvalidRunError } from "./errors";

export type Language = LanguageId;

export type RunSource = { code: string; entry?: undefined } | { entry: string; code?: undefined };

export interface RunCommand {
  argv: string[];
  files: RunFile[];
  env: Record<string, string>;
  /** A folder the agent removes after the run (inline code and compilers' output live there). */
  cleanupDir?: string;
}

/** The run's folder: in the sandbox's /tmp, never in the workspace. */
export function runDir(runId: string): string {
  return `/tmp/.sandpit/runs/${runId}`;
}

/** An entry file as an absolute path inside /workspace, or a clear error. */
export function entryPath(entry: string): string {
  const normalized = path.posix.normalize(entry);
  if (
    normalized.startsWith("../") ||
    normalized === ".." ||
    (path.posix.isAbsolute(normalized) && !normalized.startsWith("/workspace/"))
  ) {
    throw new InvalidRunError(`entry "${entry}" must be a file inside /workspace`);
  }
  return path.posix.isAbsolute(normalized) ? normalized : `/workspace/${normalized}`;
}

/** Turns inline code or an entry file into the command the agent runs, with its arguments. */
export function buildRunCommand(language: Language, source: RunSource, runId: string, args: string[] = []): RunCommand {
  const definition = getLanguage(language);
  const dir = runDir(runId);
  const inline = source.code !== undefined;
  const plan = inline ? definition.inline(source.code, dir) : definition.file(entryPath(source.entry), dir);
  return {
    argv: [...plan.argv, ...args],
    files: (plan.files ?? []).map((file) => ({ path: file.path, data: Buffer.from(file.text).toString("base64") })),
    env: plan.env ?? {},
    ...(inline || plan.usesRunDir ? { cleanupDir: dir } : {}),
  };
}
