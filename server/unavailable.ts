/** The engines Sandpit depends on; a request that needs one that is down gets a 503 naming it. */
export type Dependency = "Docker engine" | "object store" | "database";

/** A dependency that does not answer; the API answers 503 with its name and what to do. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly reason: string,
  ) {
    super(`the ${dependency} is unreachable (${reason}); Sandpit reconnects by itself, try again shortly (see /api/health)`);
    // A literal name: errors are told apart by name (see server/errors.ts).
    this.name = "DependencyUnavailableError";
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOENT",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  address?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** A failure to reach a server at all (refused, reset, timed out, socket missing). */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as ErrorLike;
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
  if (e.name === "TimeoutError" || e.name === "AggregateError") return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|socket hang up|Client has encountered a connection error|connect ECONNREFUSED/.test(
    message,
  );
}

/** PostgreSQL's own "cannot serve now" states: connection exceptions (08) and shutdowns (57P0x). */
function isPostgresUnavailable(error: unknown): boolean {
  const code = (error as ErrorLike).code;
  return typeof code === "string" && (/^08/.test(code) || /^57P0[1-3]$/.test(code));
}

/**
 * Which dependency an error says is down, if any: an explicit DependencyUnavailableError, a
 * database query that could not reach the database, or a request the Docker socket refused.
 */
export function unavailableDependency(error: unknown): DependencyUnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const e = current as ErrorLike;
    if (e.name === "DependencyUnavailableError") return current as DependencyUnavailableError;
    const message = typeof e.message === "string" ? e.message : "";
    // Drizzle wraps every failed query as "Failed query: …" with the driver's error as cause.
    if (message.startsWith("Failed query:") && (isConnectionFailure(e.cause) || isPostgresUnavailable(e.cause))) {
      return new DependencyUnavailableError("database", reasonOf(e.cause));
    }
    if (isConnectionFailure(current) && /docker|\.sock|:2375|:2376/.test((e.address ?? "") + message)) {
      return new DependencyUnavailableError("Docker engine", reasonOf(current));
    }
    current = e.cause;
  }
  return undefined;
}

/** A short reason, e.g. "connect ECONNREFUSED /var/run/docker.sock". */
export function reasonOf(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  const message = typeof e.message === "string" && e.message ? e.message : typeof e.code === "string" ? e.code : "no answer";
  return message.split("\n")[0]?.slice(0, 200) ?? "no answer";
}
