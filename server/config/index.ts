import { existsSync } from "node:fs";
import { hostname, totalmem } from "node:os";
import path from "node:path";
import { createEnv } from "@t3-oss/env-nextjs";
import type { z } from "zod";
import { envSchema, type SetupAllowEntry } from "./schema";

export const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Sandpit cannot start: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface Limits {
  memoryMb: number;
  cpus: number;
  pids: number;
  tmpMb: number;
  /** Size of a session's /workspace where workspaces are volumes (see workspaceQuota). */
  workspaceMb: number;
  nofile: number;
  fsizeMb: number;
  outputBytes: number;
  runTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /**
   * runtime: the OCI runtime for sandbox and setup containers; "auto" picks runsc (gVisor) when the
   * engine has it and a probe container starts under it, else the engine's default (see sandbox/runtime.ts).
   */
  docker: { host?: string; socketPath: string; runtime: string };
  runtimeImage: string;
  objectStore:
    | { kind: "fs"; root: string }
    | {
        kind: "s3";
        bucket: string;
        endpoint?: string;
        region: string;
        forcePathStyle: boolean;
        accessKeyId?: string;
        secretAccessKey?: string;
        prefix: string;
      };
  database: { kind: "pglite"; dir: string } | { kind: "postgres"; url: string };
  idleTimeoutMs: number;
  /**
   * How often a running sandbox whose session was used since its last snapshot is snapshotted in
   * the background (it keeps running), so that losing its node costs at most this much work; 0: never.
   */
  snapshotIntervalMs: number;
  /** diskMb: a setup's own filesystem where workspaces are volumes (see workspaceQuota). */
  /**
   * network: the Docker network of setup containers (sandpit-setup: egress to this host and private
   * ranges is rejected, see scripts/ensure-setup-network.sh); allow: what may be reached anyway.
   */
  setup: {
    timeoutMs: number;
    concurrency: number;
    network: string;
    allow: SetupAllowEntry[];
    layerRetentionDays: number;
    diskMb: number;
  };
  /** Open terminals a session may have at once. */
  terminals: { perSession: number };
  limits: Limits;
  /** volume: each workspace is a filesystem of its own (needs root); folder: a plain folder; auto: volume when possible. */
  workspaceQuota: "auto" | "volume" | "folder";
  /**
   * auto: where the data folder's filesystem cannot share blocks (ext4), workspace volumes live in
   * an XFS image of their own so that forks copy them by reflink; off: on the data folder's filesystem.
   */
  volumePool: "auto" | "off";
  mirrors: { pipIndexUrl?: string; npmRegistry?: string; goproxy?: string; gosumdb?: string };
  /**
   * The egress proxy (server/egress): the port it listens on inside sandboxes, per-session bytes a
   * second (each way) and open connections, addresses it may reach despite the private-range
   * rules, and names it resolves itself before DNS.
   */
  egress: { port: number; bandwidth: number; connections: number; exempt: string[]; hosts: Record<string, string> };
  /** PEM bundle trusted inside setup containers, or undefined for none. */
  extraCaBundle?: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /**
   * The names this Sandpit answers to (see server/auth/host.ts): the public URL's, the extra Host
   * values allowed, and loopback names at the listening port.
   */
  web: { publicUrl?: string; allowedHosts: string[] };
  /**
   * Where previews are served: `<port>--<label>.<host of this URL>`. Unset: http://localhost (on the port Sandpit was reached by)
   * on the port each request reached Sandpit by (browsers resolve *.localhost to this machine).
   */
  preview: { url?: string; connections: number };
  /** Requests a minute per API key, or for all callers together when no keys are in use. */
  api: { rateLimitPerMinute: number };
  /** Sign-in through an OpenID Connect provider; undefined (sign-in off) unless it is configured. */
  oidc?: OidcConfig;
  /**
   * This process as a node in the database (server/nodes): the URL other nodes reach it at, the
   * sandboxes it offers to hold, and how often it says it is alive.
   */
  node: { address: string; capacity: number; heartbeatMs: number };
  /** Sandboxes started ahead of need: kept ready for new sessions, and at most at once (class warm-ups). */
  pool: { size: number; max: number };
  /** The bearer token a Prometheus scraper sends for /metrics (the admin token works too). */
  metrics: { token?: string };
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the sign-in button calls the provider: SANDPIT_OIDC_NAME, else the issuer's host. */
  providerName: string;
}

type Source = Record<string, string | undefined>;
type Env = z.output<z.ZodObject<typeof envSchema>>;
type EnvName = keyof typeof envSchema;

function pickKnown(source: Source): Record<EnvName, string | undefined> {
  const picked = {} as Record<EnvName, string | undefined>;
  for (const name of Object.keys(envSchema) as EnvName[]) picked[name] = source[name];
  return picked;
}

function validate(source: Source): Env {
  // createEnv validates with the zod schema; its inferred type loses the transforms, so restate it.
  const env: unknown = createEnv({
    server: envSchema,
    runtimeEnv: pickKnown(source),
    isServer: true,
    emptyStringAsUndefined: true,
    onValidationError: (issues) => {
      throw new ConfigError(
        issues.map((issue) => {
          const name = issue.path?.map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".") ?? "(unknown)";
          return `${name}: ${issue.message}`;
        }),
      );
    },
  });
  return env as Env;
}

function resolveObjectStore(text: string | undefined, dataDir: string, env: Env): Config["objectStore"] {
  if (text === undefined) return { kind: "fs", root: path.join(dataDir, "objects") };
  if (text.startsWith("/")) return { kind: "fs", root: text };
  const url = new URL(text);
  if (url.protocol === "file:") return { kind: "fs", root: decodeURIComponent(url.pathname) };
  const params = url.searchParams;
  return {
    kind: "s3",
    bucket: url.hostname,
    prefix: url.pathname.replace(/^\/+/, ""),
    endpoint: params.get("endpoint") ?? undefined,
    region: params.get("region") ?? env.S3_REGION,
    forcePathStyle: params.get("path_style") !== "false" && params.get("endpoint") !== null,
    accessKeyId: env.S3_ACCESS_KEY_ID ?? process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? process.env.AWS_SECRET_ACCESS_KEY,
  };
}

function resolveDatabase(text: string | undefined, dataDir: string): Config["database"] {
  if (text === undefined) return { kind: "pglite", dir: path.join(dataDir, "db") };
  if (text.startsWith("pglite://")) return { kind: "pglite", dir: path.resolve(decodeURIComponent(new URL(text).pathname)) };
  return { kind: "postgres", url: text };
}

function resolveCaBundle(value: string, problems: string[]): string | undefined {
  if (value === "none") return undefined;
  if (value === "system") return existsSync(SYSTEM_CA_BUNDLE) ? SYSTEM_CA_BUNDLE : undefined;
  if (!path.isAbsolute(value) || !existsSync(value)) {
    problems.push(
      `SANDPIT_EXTRA_CA_BUNDLE: "${value}" is not an existing absolute path; use a PEM file path, "system" or "none"`,
    );
    return undefined;
  }
  return value;
}

const OIDC_REQUIRED = ["SANDPIT_OIDC_ISSUER", "SANDPIT_OIDC_CLIENT_ID", "SANDPIT_OIDC_CLIENT_SECRET"] as const;

/** Sign-in is on when the issuer, client id and secret are all set, and off when none is. */
function resolveOidc(env: Env, problems: string[]): OidcConfig | undefined {
  const missing = OIDC_REQUIRED.filter((name) => env[name] === undefined);
  if (missing.length === OIDC_REQUIRED.length) return undefined;
  if (missing.length > 0) {
    problems.push(`${missing.join(", ")}: must be set too for sign-in through OpenID Connect (or unset them all to turn it off)`);
    return undefined;
  }
  const issuer = env.SANDPIT_OIDC_ISSUER ?? "";
  return {
    issuer,
    clientId: env.SANDPIT_OIDC_CLIENT_ID ?? "",
    clientSecret: env.SANDPIT_OIDC_CLIENT_SECRET ?? "",
    providerName: env.SANDPIT_OIDC_NAME ?? new URL(issuer).host,
  };
}

/**
 * Previews run other people's code on their own origins: their domain may not be Sandpit's own
 * host, above it or under it, or a preview could claim Sandpit's name or set cookies Sandpit reads.
 */
function checkPreviewDomain(previewUrl: string | undefined, publicUrl: string | undefined, problems: string[]): void {
  if (!previewUrl || !publicUrl) return;
  const preview = new URL(previewUrl).hostname.toLowerCase();
  const sandpit = new URL(publicUrl).hostname.toLowerCase();
  if (preview === sandpit || sandpit.endsWith(`.${preview}`) || preview.endsWith(`.${sandpit}`))
    problems.push(
      `SANDPIT_PREVIEW_URL: ${preview} must not be Sandpit's own host (${sandpit}), above it or under it: give previews a domain of their own, e.g. https://sandpit-preview.example.net with wildcard DNS`,
    );
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(source: Source = process.env, cwd = process.cwd()): Config {
  const env = validate(source);
  const problems: string[] = [];
  const dataDir = path.resolve(cwd, env.SANDPIT_DATA_DIR);
  const extraCaBundle = resolveCaBundle(env.SANDPIT_EXTRA_CA_BUNDLE, problems);
  const oidc = resolveOidc(env, problems);
  checkPreviewDomain(env.SANDPIT_PREVIEW_URL, env.SANDPIT_PUBLIC_URL, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: env.PORT,
    host: env.SANDPIT_HOST ?? "127.0.0.1",
    dataDir,
    docker: { host: env.DOCKER_HOST, socketPath: env.DOCKER_SOCKET, runtime: env.SANDPIT_DOCKER_RUNTIME },
    runtimeImage: env.SANDPIT_RUNTIME_IMAGE,
    objectStore: resolveObjectStore(env.OBJECT_STORE_URL, dataDir, env),
    database: resolveDatabase(env.DATABASE_URL, dataDir),
    idleTimeoutMs: env.SANDPIT_IDLE_TIMEOUT,
    snapshotIntervalMs: env.SANDPIT_SNAPSHOT_INTERVAL,
    setup: {
      timeoutMs: env.SANDPIT_SETUP_TIMEOUT,
      concurrency: env.SANDPIT_SETUP_CONCURRENCY,
      network: env.SANDPIT_SETUP_NETWORK,
      allow: env.SANDPIT_SETUP_ALLOW,
      layerRetentionDays: env.SANDPIT_LAYER_RETENTION_DAYS,
      diskMb: env.SANDPIT_SETUP_DISK_MB,
    },
    limits: {
      memoryMb: env.SANDPIT_MEMORY_MB,
      cpus: env.SANDPIT_CPUS,
      pids: env.SANDPIT_PIDS_LIMIT,
      tmpMb: env.SANDPIT_TMP_MB,
      workspaceMb: env.SANDPIT_WORKSPACE_MB,
      nofile: env.SANDPIT_NOFILE,
      fsizeMb: env.SANDPIT_FSIZE_MB,
      outputBytes: env.SANDPIT_OUTPUT_LIMIT_BYTES,
      runTimeoutMs: env.SANDPIT_RUN_TIMEOUT,
    },
    terminals: { perSession: env.SANDPIT_TERMINALS_PER_SESSION },
    workspaceQuota: env.SANDPIT_WORKSPACE_QUOTA,
    volumePool: env.SANDPIT_VOLUME_POOL,
    mirrors: {
      pipIndexUrl: env.SANDPIT_PIP_INDEX_URL,
      npmRegistry: env.SANDPIT_NPM_REGISTRY,
      goproxy: env.SANDPIT_GOPROXY,
      gosumdb: env.SANDPIT_GOSUMDB,
    },
    egress: {
      port: env.SANDPIT_EGRESS_PORT,
      bandwidth: env.SANDPIT_EGRESS_BANDWIDTH,
      connections: env.SANDPIT_EGRESS_CONNECTIONS,
      exempt: env.SANDPIT_EGRESS_EXEMPT,
      hosts: env.SANDPIT_EGRESS_HOSTS,
    },
    extraCaBundle,
    logLevel: env.LOG_LEVEL,
    api: { rateLimitPerMinute: env.SANDPIT_RATE_LIMIT },
    web: { publicUrl: env.SANDPIT_PUBLIC_URL, allowedHosts: env.SANDPIT_ALLOWED_HOSTS },
    preview: { url: env.SANDPIT_PREVIEW_URL, connections: env.SANDPIT_PREVIEW_CONNECTIONS },
    oidc,
    node: {
      address: env.SANDPIT_NODE_ADDRESS ?? env.SANDPIT_PUBLIC_URL ?? ownAddress(env.SANDPIT_HOST ?? "127.0.0.1", env.PORT),
      capacity: env.SANDPIT_MAX_SANDBOXES || Math.max(1, Math.floor(totalmem() / (env.SANDPIT_MEMORY_MB * 1_048_576))),
      heartbeatMs: env.SANDPIT_HEARTBEAT_INTERVAL,
    },
    metrics: { token: env.SANDPIT_METRICS_TOKEN },
    pool: { size: env.SANDPIT_WARM_POOL, max: env.SANDPIT_WARM_POOL_MAX },
  };
}

/** The URL this server listens at: the machine's name when it listens on every address. */
function ownAddress(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" ? hostname() : host;
  return `http://${name.includes(":") ? `[${name}]` : name}:${port}`;
}

let cached: Config | undefined;

/** The process-wide configuration, validated once. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
