import "server-only";
import type { SessionElsewhereError } from "@/server/nodes/errors";
import type { SandboxError } from "@/server/sandbox/errors";
import type {
  ForbiddenError,
  IdentityRequiredError,
  InvalidRequestError,
  RateLimitedError,
  SessionExistsError,
  SessionNotFoundError,
} from "@/server/sessions/errors";
import type { InvalidInputError } from "@/server/sessions/validation";
import type { SetupBusyError, SetupNotFoundError, SetupSpecError } from "@/server/setup/errors";
import type { ShareUnavailableError } from "@/server/sessions/share-links";
import { unavailableDependency, type Dependency } from "@/server/unavailable";

/** An error as an API answers it: a status, a short code and a message saying what to do. */
export interface ApiError {
  status: number;
  error: string;
  message: string;
  details?: string[];
  id?: string;
  retryAfter?: number;
}

/** A request the HTTP layer itself refuses (body too large, bad JSON, unauthorized, too many). */
export class HttpRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "HttpRequestError";
  }
}

const UNAVAILABLE_CODES: Record<Dependency, string> = {
  "Docker engine": "docker_unavailable",
  "object store": "object_store_unavailable",
  database: "database_unavailable",
};

const SANDBOX_STATUS: Record<SandboxError["code"], [number, string]> = {
  BAD_REQUEST: [400, "invalid_request"],
  NOT_FOUND: [404, "not_found"],
  CONFLICT: [409, "conflict"],
  TOO_LARGE: [413, "payload_too_large"],
  UNAVAILABLE: [503, "sandbox_unavailable"],
  INTERNAL: [500, "internal_error"],
};

/**
 * A domain error told apart by its literal name: instanceof fails when a bundle holds two copies
 * of a class, or when the error comes from another realm.
 */
function named<T extends Error>(error: unknown, name: string): error is T {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

/** The one place that maps domain errors to statuses, for REST, tRPC and MCP alike. */
export function toApiError(error: unknown): ApiError {
  if (named<HttpRequestError>(error, "HttpRequestError"))
    return { status: error.status, error: error.code, message: error.message, retryAfter: error.retryAfter };
  if (named<InvalidInputError>(error, "InvalidInputError"))
    return { status: 400, error: "invalid_request", message: error.message, details: error.problems };
  if (named<SetupSpecError>(error, "SetupSpecError"))
    return { status: 400, error: "invalid_setup", message: error.message, details: error.problems };
  if (named<InvalidRequestError>(error, "InvalidRequestError"))
    return { status: 400, error: "invalid_request", message: error.message };
  if (named<SessionNotFoundError>(error, "SessionNotFoundError"))
    return { status: 404, error: "not_found", message: error.message, id: error.id };
  if (named<SessionExistsError>(error, "SessionExistsError"))
    return { status: 409, error: "session_exists", message: error.message, id: error.id };
  if (named<ForbiddenError>(error, "ForbiddenError")) return { status: 403, error: "forbidden", message: error.message };
  if (named<IdentityRequiredError>(error, "IdentityRequiredError"))
    return { status: 401, error: "identity_required", message: error.message };
  if (named<RateLimitedError>(error, "RateLimitedError"))
    return { status: 429, error: "rate_limited", message: error.message, retryAfter: error.retryAfter };
  if (named<SetupNotFoundError>(error, "SetupNotFoundError")) return { status: 404, error: "not_found", message: error.message };
  if (named<SetupBusyError>(error, "SetupBusyError")) return { status: 409, error: "setup_busy", message: error.message };
  if (named<ShareUnavailableError>(error, "ShareUnavailableError"))
    return { status: error.reason === "unknown" ? 404 : 410, error: `share_${error.reason}`, message: error.message };
  if (named<SessionElsewhereError>(error, "SessionElsewhereError"))
    return { status: 409, error: "session_elsewhere", message: error.message, id: error.sessionId, retryAfter: 5 };
  if (named<SandboxError>(error, "SandboxError")) {
    const [status, code] = SANDBOX_STATUS[error.code];
    return { status, error: code, message: error.message };
  }
  const down = unavailableDependency(error);
  if (down) return { status: 503, error: UNAVAILABLE_CODES[down.dependency], message: down.message, retryAfter: 5 };
  return { status: 500, error: "internal_error", message: "something went wrong on the server; it has been logged" };
}
