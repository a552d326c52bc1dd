/**
 * Every limit, bound, default and pattern that the API, the services, the sandbox layer, the
 * configuration and the UI share. Each fact is written here once; everything else imports it.
 */

const MiB = 1024 * 1024;

/**
 * A run's or shell command's wall-clock limit, in seconds as everywhere in the API. The API, a
 * session's default and the configuration (SANDPIT_RUN_TIMEOUT) are all held to these bounds.
 */
export const RUN_TIMEOUT = {
  /** The longest a run may be given, whoever asks. */
  maxSeconds: 3600,
  /** SANDPIT_RUN_TIMEOUT when it is not set. */
  defaultSeconds: 30,
  /** The shortest SANDPIT_RUN_TIMEOUT (a run itself may ask for less). */
  minConfiguredSeconds: 1,
} as const;

/** What is wrong with a timeout, in the words every transport answers with; undefined when it is fine. */
export const TIMEOUT_MESSAGES = {
  type: "timeout is a number of seconds",
  positive: "timeout must be more than 0 seconds",
  max: `timeout is at most ${RUN_TIMEOUT.maxSeconds} seconds (1 hour)`,
} as const;

/** The problem with a timeout of `seconds`, or undefined when it is within bounds. */
export function timeoutProblem(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || Number.isNaN(seconds)) return TIMEOUT_MESSAGES.type;
  if (!(seconds > 0)) return TIMEOUT_MESSAGES.positive;
  if (!(seconds <= RUN_TIMEOUT.maxSeconds)) return TIMEOUT_MESSAGES.max;
  return undefined;
}

/** Where a run's time limit came from: the call itself, its session's owner, or the configuration. */
export type TimeoutSource = "run" | "session" | "server";

export interface ResolvedTimeout {
  seconds: number;
  /** The same in whole milliseconds, at least 1, as the sandbox takes it. */
  ms: number;
  source: TimeoutSource;
}

/**
 * The time limit of one run or shell command: what the call asked for, else what the session's
 * owner chose, else the configured default (`configuredMs`, SANDPIT_RUN_TIMEOUT). Sessions store
 * only their owner's choice (null otherwise), so a changed configuration reaches every session
 * that chose nothing. Values are checked where they enter (API schemas, configuration); this
 * picks one.
 */
export function resolveTimeout(choice: { run?: number | null; session?: number | null }, configuredMs: number): ResolvedTimeout {
  const picked: [number, TimeoutSource] =
    choice.run != null
      ? [choice.run, "run"]
      : choice.session != null
        ? [choice.session, "session"]
        : [configuredMs / 1000, "server"];
  const [seconds, source] = picked;
  return { seconds, ms: Math.max(1, Math.round(seconds * 1000)), source };
}

/** Sizes of requests and their fields; each error says which was crossed. */
export const API_LIMITS = {
  /** A JSON request body. */
  bodyBytes: 2 * MiB,
  /** One file read or written through the API (larger ones go through the workspace archive). */
  fileBytes: 50 * MiB,
  /** Code, stdin and shell commands. */
  codeBytes: MiB,
  metadataBytes: 16 * 1024,
  /** Per-run (and per-command) env vars. */
  envVars: 64,
  envValueBytes: 32 * 1024,
  args: 256,
  argBytes: 32 * 1024,
  /** Paths as the API takes them (entry files, files, cwd). */
  pathChars: 1024,
  /** A session's name (a student's display name on a class copy). */
  nameChars: 80,
  /** Input sent to a terminal in one request. */
  terminalInputBytes: 64 * 1024,
  /** Deepest nesting of arrays and objects a JSON body may have: real inputs are a few levels deep. */
  jsonDepth: 64,
} as const;

/** The type declarations of a layer's npm packages the editor gets (see server/sandbox/package-types.ts). */
export const PACKAGE_TYPES_LIMITS = { files: 1000, bytes: 4 * MiB } as const;

/**
 * A template update (server/classroom/updates.ts): the template's files it carries to class copies
 * at most, each and together; a bigger template is refused with what to trim.
 */
export const TEMPLATE_UPDATE_LIMITS = { files: 500, fileBytes: MiB, totalBytes: 20 * MiB } as const;

/** A workspace path once normalized: what Linux allows a name and a path. */
export const WORKSPACE_PATH = { nameBytes: 255, pathBytes: 4096 } as const;

/** Names of env vars (per run, per command, setup envs): letters, digits and _, not starting with a digit. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Ids a caller may choose: session ids and shell ids. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SESSION_ID_MESSAGE = "session ids use 1 to 64 letters, digits, - and _";
export const SHELL_ID_MESSAGE = "shell ids use 1 to 64 letters, digits, - and _";

/** A terminal's size in characters. */
export const TERMINAL_SIZE = {
  cols: { min: 10, max: 500, default: 80 },
  rows: { min: 4, max: 200, default: 24 },
} as const;

/** Pages of lists. */
export const LIST_LIMITS = {
  sessions: { default: 50, max: 200 },
  runs: { default: 20, max: 100 },
} as const;

/** Share links: how long one may last, and how long its token is at most. */
export const SHARE_LIMITS = { minExpiresSeconds: 60, maxExpiresSeconds: 365 * 86_400, tokenChars: 100 } as const;

/** Requests a minute: an API key's rate limit, and the configured limit, are held to this. */
export const RATE_LIMIT = { min: 1, max: 1_000_000 } as const;

/** Embed runs a minute, per embed link (all visitors together) and per client address (over all links). */
export const EMBED_RATE_LIMITS = { runsPerSharePerMinute: 60, runsPerAddressPerMinute: 10 } as const;

/** Bounds that keep a setup reasonable; each error says which one was crossed. */
export const SETUP_LIMITS = {
  packages: 100,
  goModules: 50,
  commands: 50,
  commandLength: 10_000,
  envs: 50,
  envValueLength: 10_000,
  requirementsLength: 100_000,
  packageJsonLength: 100_000,
  specLength: 2_000,
} as const;
