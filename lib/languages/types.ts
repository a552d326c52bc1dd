/** What the agent runs for one run: a command, the files it needs first, and extra env. */
export interface RunPlan {
  /** The command; the run's own arguments are appended to it. */
  argv: string[];
  /** Files written before the run (inline code), as text. */
  files?: Array<{ path: string; text: string }>;
  env?: Record<string, string>;
  /** Whether the run folder holds something of this run (per-run config, compiler output) to remove afterwards. */
  usesRunDir?: boolean;
}

/** One command of a setup step: arguments exactly as the program receives them, never parsed by a shell. */
export interface SetupCommand {
  argv: string[];
  cwd: string;
  /** Files written before the command, as text. */
  files?: Array<{ path: string; text: string }>;
}

/** The package managers a setup spec names (its `pip`, `npm` and `go` fields). */
export type PackageManager = "pip" | "npm" | "go";

/** How a setup installs a language's packages into the layer, where its runs find them. */
export interface PackageStep {
  /** The setup spec's field listing the packages, and the step's name. */
  manager: PackageManager;
  /** Commands installing `packages` under `layer`; `packageJson` is npm's manifest when the spec gave one. */
  install(packages: string[], layer: string, options: { packageJson?: Record<string, unknown> }): SetupCommand[];
}

/**
 * Everything Sandpit knows about one language. Client-safe: no server imports, so the browser bundle
 * reads labels, extensions and starter code from the same module the server builds commands from.
 */
export interface LanguageDefinition<Id extends string = string> {
  id: Id;
  /** What the UI shows. */
  label: string;
  /** Other names the API accepts (the id is always accepted). */
  aliases: readonly string[];
  /** File extensions it runs, without the dot; the first names the scratch file. */
  extensions: readonly string[];
  /** Monaco's language mode. */
  monaco: string;
  /** What a new session's editor shows first. */
  starter: string;
  /** Whether runs compile first; a failed compilation ends with COMPILE_FAILED_EXIT_CODE. */
  compiled?: boolean;
  /** Env of every sandbox (runs and shells; no network there). */
  sandboxEnv?: Record<string, string>;
  /** Env of every setup container (network on). */
  setupEnv?: Record<string, string>;
  /** The setup step that installs its packages, when it has a package manager of its own. */
  packages?: PackageStep;
  /** Inline code: `dir` is a fresh per-run folder under /tmp, removed afterwards. */
  inline(code: string, dir: string): RunPlan;
  /** An entry file (an absolute path inside /workspace); `dir` is the run's folder, should it need one. */
  file(file: string, dir: string): RunPlan;
}

/** Keeps the id's literal type, so the registry derives the LanguageId union. */
export function defineLanguage<const Id extends string>(definition: LanguageDefinition<Id>): LanguageDefinition<Id> {
  return definition;
}

/** A plan for an interpreter that takes the file to run as its argument. */
export function interpreted(
  argv: (file: string, dir: string) => string[],
  extension: string,
  options: { inlineEnv?: Record<string, string>; usesRunDir?: boolean } = {},
): Pick<LanguageDefinition, "inline" | "file"> {
  return {
    inline: (code, dir) => {
      const file = `${dir}/main.${extension}`;
      return {
        argv: argv(file, dir),
        files: [{ path: file, text: code }],
        ...(options.inlineEnv ? { env: options.inlineEnv } : {}),
      };
    },
    file: (file, dir) => ({ argv: argv(file, dir), ...(options.usesRunDir ? { usesRunDir: true } : {}) }),
  };
}
