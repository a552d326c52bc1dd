import { z } from "zod";
// A relative import, as everywhere in the modules next.config.ts loads.
import { RATE_LIMIT, RUN_TIMEOUT } from "../../lib/limits";
import { parseDuration } from "./duration";

/**
 * A duration such as `600`, `30s`, `10m`, `1h`, bounded to [min, max] milliseconds. With
 * `zeroTurnsOff`, `0` is allowed too and means the feature it times is off.
 */
export function duration(
  defaultValue: string,
  minMs: number,
  maxMs: number,
  options: { zeroTurnsOff?: boolean } = {},
): z.ZodType<number> {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" is not a duration; use seconds (600) or a unit: 500ms, 30s, 10m, 1h${options.zeroTurnsOff ? ", or 0 to turn it off" : ""}`,
        });
        return z.NEVER;
      }
      if (ms === 0 && options.zeroTurnsOff) return 0;
      if (ms < minMs || ms > maxMs) {
        ctx.addIssue({
          code: "custom",
          message: `${text} is out of range; allowed ${minMs / 1000}s to ${maxMs / 1000}s${options.zeroTurnsOff ? ", or 0 to turn it off" : ""}`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

/** An integer in [min, max], given as a decimal string. */
export function integer(defaultValue: number, min: number, max: number): z.ZodType<number> {
  return z
    .string()
    .default(String(defaultValue))
    .transform((text, ctx) => {
      if (!/^\d+$/.test(text.trim())) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a whole number; allowed ${min} to ${max}` });
        return z.NEVER;
      }
      const value = Number(text);
      if (value < min || value > max) {
        ctx.addIssue({ code: "custom", message: `${value} is out of range; allowed ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

/** A positive decimal in [min, max] (CPU shares such as 0.5). */
export function decimal(defaultValue: number, min: number, max: number): z.ZodType<number> {
  return z
    .string()
    .default(String(defaultValue))
    .transform((text, ctx) => {
      const value = Number(text);
      if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
        ctx.addIssue({ code: "custom", message: `"${text}" must be a number from ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

/** An http(s) URL, or undefined when not set. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional();

/** Object store locations: a folder (`file:///abs/path` or an absolute path) or `s3://bucket?endpoint=…`. */
export const objectStoreUrl = z
  .string()
  .optional()
  .superRefine((text, ctx) => {
    if (text === undefined || text.startsWith("/")) return;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `"${text}" is not a URL; use file:///path/to/folder or s3://bucket?endpoint=https://…`,
      });
      return;
    }
    if (url.protocol === "file:") return;
    if (url.protocol !== "s3:") {
      ctx.addIssue({ code: "custom", message: `scheme "${url.protocol}" is not supported; use file:// or s3://` });
      return;
    }
    if (!url.hostname) ctx.addIssue({ code: "custom", message: "s3:// URL needs a bucket: s3://my-bucket" });
    const endpoint = url.searchParams.get("endpoint");
    if (endpoint !== null && !/^https?:\/\//.test(endpoint)) {
      ctx.addIssue({ code: "custom", message: `endpoint "${endpoint}" must start with http:// or https://` });
    }
  });

/** Databases: PGlite (`pglite:///abs/folder`, the default) or PostgreSQL (`postgres://…`). */
export const databaseUrl = z
  .string()
  .optional()
  .superRefine((text, ctx) => {
    if (text === undefined) return;
    if (!/^(postgres|postgresql|pglite):\/\//.test(text)) {
      ctx.addIssue({
        code: "custom",
        message: `"${text.replace(/\/\/[^@/]*@/, "//***@")}" is not supported; use postgres://user:pass@host/db or pglite:///path/to/folder`,
      });
    }
  });

/** A Host header value: a DNS name or IPv4 address, or an [IPv6] address, each with an optional port. */
const HOST_VALUE = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/;

/** Host header values (`name` or `name:port`), comma-separated; empty when unset. */
export const hostList = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const hosts = text
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean);
    for (const host of hosts) {
      if (!HOST_VALUE.test(host)) {
        ctx.addIssue({
          code: "custom",
          message: `"${host}" is not a host name; use names such as sandpit.example.com or 10.0.0.5:3000, comma-separated`,
        });
        return z.NEVER;
      }
    }
    return hosts;
  });

/** One SANDPIT_SETUP_ALLOW entry: an address setups may reach despite the blocked ranges. */
export interface SetupAllowEntry {
  /** An IPv4 or IPv6 address, or "host-gateway" for this host itself (any of its addresses). */
  host: string;
  fromPort: number;
  toPort: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]*:[0-9a-f:.]*$/i;

/** `10.1.2.3:3141,host-gateway:8080,[fd00::5]:80,host-gateway:41000-41009`; empty when unset. */
export const setupAllowList = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const entries: SetupAllowEntry[] = [];
    const parts = text.split(",").map((item) => item.trim());
    for (const part of parts.filter(Boolean)) {
      const match = /^(\[([^\]]+)\]|[^:\[\]]+):(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      const host = match ? (match[2] ?? match[1] ?? "") : "";
      const fromPort = Number(match?.[3]);
      const toPort = Number(match?.[4] ?? match?.[3]);
      const hostOk = host === "host-gateway" || IPV4.test(host) || (match?.[2] !== undefined && IPV6.test(host));
      if (!match || !hostOk || fromPort < 1 || toPort > 65535 || toPort < fromPort) {
        ctx.addIssue({
          code: "custom",
          message: `"${part}" is not an allowed address; use IP:PORT, [IPv6]:PORT, host-gateway:PORT or a port range such as 10.1.2.3:3141-3142, comma-separated`,
        });
        return z.NEVER;
      }
      entries.push({ host: host.toLowerCase(), fromPort, toPort });
    }
    return entries;
  });

/** Comma-separated addresses or CIDR ranges the egress proxy may reach despite its private-range rules. */
export const egressExemptList = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const parts = text
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
    for (const part of parts) {
      const [address = "", bits] = part.split("/");
      const ok = (IPV4.test(address) || IPV6.test(address)) && (bits === undefined || /^\d{1,3}$/.test(bits));
      if (!ok) {
        ctx.addIssue({
          code: "custom",
          message: `"${part}" is not an address or CIDR range such as 10.1.2.0/24, comma-separated`,
        });
        return z.NEVER;
      }
    }
    return parts;
  });

/** `name=address` pairs the egress proxy resolves itself, before DNS (local mirrors; tests). */
export const egressHostsList = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const hosts: Record<string, string> = {};
    for (const part of text
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9.-]+)=([0-9A-Fa-f.:]+)$/.exec(part);
      if (!match || !(IPV4.test(match[2] ?? "") || IPV6.test(match[2] ?? ""))) {
        ctx.addIssue({
          code: "custom",
          message: `"${part}" is not name=address, such as mirror.internal=10.1.2.3, comma-separated`,
        });
        return z.NEVER;
      }
      hosts[(match[1] ?? "").toLowerCase()] = match[2] ?? "";
    }
    return hosts;
  });

export const logLevel = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    error: "must be one of fatal, error, warn, info, debug, trace, silent",
  })
  .default("info");

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * An OpenID Connect issuer: https, or http on a loopback address (a provider on the same machine, as
 * in tests); tokens from anywhere else must not travel in the clear.
 */
export const oidcIssuer = z
  .url({
    protocol: /^https?$/,
    error: "must be the issuer URL of an OpenID Connect provider, such as https://accounts.example.com",
  })
  .refine((text) => {
    const url = new URL(text);
    return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
  }, "must use https:// (http:// only for a provider on localhost)")
  .refine((text) => !new URL(text).search && !new URL(text).hash, "must have no ?query or #fragment")
  .optional();

/** The environment variables Sandpit reads, each with a default that works on one machine. */
export const envSchema = {
  PORT: integer(3000, 1, 65535),
  SANDPIT_HOST: z.string().min(1).optional(),
  SANDPIT_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be the http:// or https:// URL people open Sandpit at" })
    .optional(),
  SANDPIT_ALLOWED_HOSTS: hostList,
  SANDPIT_PREVIEW_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be an http:// or https:// URL whose subdomains reach Sandpit (wildcard DNS), e.g. https://preview.example.com",
    })
    .refine((text) => {
      const url = new URL(text);
      return (
        (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username && url.hostname.includes(".")
      );
    }, "must be a bare origin with a domain name, e.g. https://preview.example.com (no path, query or user)")
    .optional(),
  SANDPIT_DATA_DIR: z.string().min(1).default(".sandpit"),
  DOCKER_HOST: z
    .string()
    .regex(/^(unix|tcp|http|https|npipe):\/\//, "must look like unix:///var/run/docker.sock or tcp://host:2375")
    .optional(),
  DOCKER_SOCKET: z.string().startsWith("/", "must be an absolute path").default("/var/run/docker.sock"),
  SANDPIT_RUNTIME_IMAGE: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/,
      "must be a Docker image name such as sandpit-runtime or repo/name:tag",
    )
    .default("sandpit-runtime"),
  OBJECT_STORE_URL: objectStoreUrl,
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_REGION: z.string().default("auto"),
  DATABASE_URL: databaseUrl,
  SANDPIT_IDLE_TIMEOUT: duration("10m", 5_000, 7 * 24 * 3_600_000),
  SANDPIT_SNAPSHOT_INTERVAL: duration("60s", 1_000, 24 * 3_600_000, { zeroTurnsOff: true }),
  SANDPIT_RUN_TIMEOUT: duration(
    `${RUN_TIMEOUT.defaultSeconds}s`,
    RUN_TIMEOUT.minConfiguredSeconds * 1000,
    RUN_TIMEOUT.maxSeconds * 1000,
  ),
  SANDPIT_SETUP_TIMEOUT: duration("10m", 10_000, 6 * 3_600_000),
  SANDPIT_SETUP_CONCURRENCY: integer(2, 1, 64),
  SANDPIT_SETUP_DISK_MB: integer(8192, 64, 1_048_576),
  SANDPIT_LAYER_RETENTION_DAYS: integer(30, 0, 3650),
  SANDPIT_RATE_LIMIT: integer(1200, RATE_LIMIT.min, RATE_LIMIT.max),
  SANDPIT_MEMORY_MB: integer(512, 32, 65_536),
  SANDPIT_CPUS: decimal(1, 0.1, 64),
  SANDPIT_PIDS_LIMIT: integer(256, 16, 32_768),
  SANDPIT_TMP_MB: integer(128, 1, 65_536),
  SANDPIT_WORKSPACE_MB: integer(1024, 16, 1_048_576),
  SANDPIT_WORKSPACE_QUOTA: z.enum(["auto", "volume", "folder"], { error: "must be auto, volume or folder" }).default("auto"),
  SANDPIT_VOLUME_POOL: z.enum(["auto", "off"], { error: "must be auto or off" }).default("auto"),
  SANDPIT_NOFILE: integer(4096, 64, 1_048_576),
  SANDPIT_FSIZE_MB: integer(1024, 1, 1_048_576),
  SANDPIT_OUTPUT_LIMIT_BYTES: integer(1_048_576, 1_024, 268_435_456),
  SANDPIT_PIP_INDEX_URL: httpUrl,
  SANDPIT_NPM_REGISTRY: httpUrl,
  SANDPIT_GOPROXY: z
    .string()
    .regex(
      /^(off|direct|https?:\/\/[^\s,|]+)([,|](off|direct|https?:\/\/[^\s,|]+))*$/,
      "must be a GOPROXY list such as https://goproxy.example.com,direct",
    )
    .optional(),
  SANDPIT_GOSUMDB: z
    .string()
    .regex(/^[A-Za-z0-9.:/_+-]+$/, "must be off or the host of a Go checksum database")
    .optional(),
  SANDPIT_DOCKER_RUNTIME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be auto or the name of a runtime registered with Docker, such as runsc or runc")
    .default("auto"),
  SANDPIT_SETUP_NETWORK: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      "must be a Docker network name: sandpit-setup (the guarded network the bring-up makes), none, or one you created",
    )
    .default("sandpit-setup"),
  SANDPIT_SETUP_ALLOW: setupAllowList,
  SANDPIT_TERMINALS_PER_SESSION: integer(8, 1, 256),
  SANDPIT_EXTRA_CA_BUNDLE: z.string().default("system"),
  SANDPIT_EGRESS_PORT: integer(3128, 1, 65_535),
  SANDPIT_EGRESS_BANDWIDTH: integer(10_485_760, 1_024, 10_737_418_240),
  SANDPIT_EGRESS_CONNECTIONS: integer(32, 1, 4_096),
  SANDPIT_PREVIEW_CONNECTIONS: integer(64, 1, 4_096),
  SANDPIT_EGRESS_EXEMPT: egressExemptList,
  SANDPIT_EGRESS_HOSTS: egressHostsList,
  SANDPIT_OIDC_ISSUER: oidcIssuer,
  SANDPIT_OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  SANDPIT_OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  SANDPIT_OIDC_NAME: z.string().trim().min(1).max(40).optional(),
  SANDPIT_NODE_ADDRESS: z
    .url({ protocol: /^https?$/, error: "must be the http:// or https:// URL other nodes reach this one at" })
    .optional(),
  SANDPIT_MAX_SANDBOXES: integer(0, 0, 100_000),
  SANDPIT_WARM_POOL: integer(2, 0, 100),
  SANDPIT_WARM_POOL_MAX: integer(40, 0, 1_000),
  SANDPIT_HEARTBEAT_INTERVAL: duration("10s", 1_000, 300_000),
  SANDPIT_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, "must be 16 to 256 printable characters with no spaces (a Prometheus bearer token)")
    .optional(),
  LOG_LEVEL: logLevel,
};
