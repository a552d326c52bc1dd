import path from "node:path";
import type { RunFile } from "./agent/inside/protocol";
import { InvalidRunError } from "./errors";

export const LANGUAGE_IDS = ["python", "node", "typescript", "go", "deno", "bash"] as const;
export type Language = (typeof LANGUAGE_IDS)[number];

export type RunSource = { code: string; entry?: undefined } | { entry: string; code?: undefined };

export interface RunCommand {
  argv: string[];
  files: RunFile[];
  env: Record<string, string>;
  /** A folder the agent removes after the run (inline code lives there). */
  cleanupDir?: string;
}

const EXTENSIONS: Record<Language, string> = { python: "py", node: "js", typescript: "ts", go: "go", deno: "ts", bash: "sh" };

function interpreter(language: Language, file: string, dir: string): string[] {
  switch (language) {
    case "python":
      return ["python3", file];
    case "node":
      return ["node", file];
    case "typescript":
      return ["tsx", file];
    case "go":
      return ["go", "run", file];
    case "deno":
      return denoCommand(file, dir);
    case "bash":
      return ["bash", file];
  }
}

/** Turns inline code or an entry file into the command the agent runs, with its arguments. */
export function buildRunCommand(language: Language, source: RunSource, runId: string, args: string[] = []): RunCommand {
  if (source.code !== undefined && language === "go") return inlineGo(source.code, runId, args);
  const dir = `/tmp/.sandpit/runs/${runId}`;
  if (source.code !== undefined) {
    const file = `${dir}/main.${EXTENSIONS[language]}`;
    return {
      argv: [...interpreter(language, file, dir), ...args],
      files: [{ path: file, data: Buffer.from(source.code).toString("base64") }],
      // Inline Python imports modules that sit in the workspace, as a script there would.
      env: language === "python" ? { PYTHONPATH: "/workspace:/opt/layer/python" } : {},
      cleanupDir: dir,
    };
  }
  const entry = path.posix.normalize(source.entry);
  if (entry.startsWith("../") || entry === ".." || (path.posix.isAbsolute(entry) && !entry.startsWith("/workspace/"))) {
    throw new InvalidRunError(`entry "${source.entry}" must be a file inside /workspace`);
  }
  const file = path.posix.isAbsolute(entry) ? entry : `/workspace/${entry}`;
  if (language === "go") return entryGo(file, runId, args);
  // deno keeps its per-run config in the run folder, which is removed afterwards.
  return {
    argv: [...interpreter(language, file, dir), ...args],
    files: [],
    env: {},
    ...(language === "deno" ? { cleanupDir: dir } : {}),
  };
}

/**
 * A Go entry file: `go run` in its module when the workspace has a go.mod; otherwise it is built
 * like inline code, next to the layer's go.mod, so the setup's modules resolve.
 */
function entryGo(file: string, runId: string, args: string[]): RunCommand {
  const dir = `/tmp/.sandpit/runs/${runId}`;
  const script = [
    'f="$1"; shift',
    'if [ -f /workspace/go.mod ]; then cd /workspace && exec go run "$f" "$@"; fi',
    'mkdir -p "$0" && cp "$f" "$0/main.go" && cd "$0" || exit 1',
    "if [ -f /opt/layer/go/go.mod ]; then cp /opt/layer/go/go.mod /opt/layer/go/go.sum . 2>/dev/null || cp /opt/layer/go/go.mod .; else go mod init sandpit/run >/dev/null 2>&1; fi",
    "go build -o main.bin . || exit $?",
    'cd /workspace && exec "$0/main.bin" "$@"',
  ].join("\n");
  return { argv: ["bash", "-c", script, dir, file, ...args], files: [], env: {}, cleanupDir: dir };
}

/**
 * deno resolves `npm:` imports from the layer's node_modules (offline) through a per-run config
 * in the run folder that points at the layer; without a layer it runs plainly. The sandbox is the
 * boundary, so inside it deno may use everything the sandbox allows.
 */
function denoCommand(file: string, dir: string): string[] {
  const script = [
    'd="$0/.deno"; f="$1"; shift',
    "if [ -f /opt/layer/node/package.json ]; then",
    '  mkdir -p "$d" && printf \'{"nodeModulesDir":"manual"}\' > "$d/deno.json" && cp /opt/layer/node/package.json "$d/" && ln -sfn /opt/layer/node/node_modules "$d/node_modules"',
    '  exec deno run --allow-all --quiet --config "$d/deno.json" "$f" "$@"',
    "fi",
    'exec deno run --allow-all --quiet "$f" "$@"',
  ].join("\n");
  return ["bash", "-c", script, dir, file];
}

/**
 * Inline Go is built as a module next to a copy of the layer's go.mod (so the setup's modules
 * resolve from the layer's module cache), then run from /workspace.
 */
function inlineGo(code: string, runId: string, args: string[]): RunCommand {
  const dir = `/tmp/.sandpit/runs/${runId}`;
  const script = [
    'cd "$0"',
    "if [ -f /opt/layer/go/go.mod ]; then cp /opt/layer/go/go.mod /opt/layer/go/go.sum . 2>/dev/null || cp /opt/layer/go/go.mod .; else go mod init sandpit/run >/dev/null 2>&1; fi",
    "go build -o main.bin . || exit $?",
    'cd /workspace && exec "$0/main.bin" "$@"',
  ].join("\n");
  return {
    argv: ["bash", "-c", script, dir, ...args],
    files: [{ path: `${dir}/main.go`, data: Buffer.from(code).toString("base64") }],
    env: {},
    cleanupDir: dir,
  };
}
