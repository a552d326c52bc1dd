import "server-only";
import { timingSafeEqual } from "node:crypto";
import { isAdmin } from "@/server/auth/admin-token";
import type { Config } from "@/server/config";

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why a scrape of /metrics is refused, or undefined when it may read them. The metrics count every
 * tenant's sessions, so they are the operator's: the admin token in the data folder, or the bearer
 * token SANDPIT_METRICS_TOKEN that Prometheus is given. API keys are tenants' and do not open them.
 */
export function metricsRefusal(request: Request, config: Pick<Config, "dataDir" | "metrics">): string | undefined {
  if (request.headers.has("x-sandpit-admin-token"))
    return isAdmin(request, config.dataDir) ? undefined : "the admin token is not this Sandpit's";
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const { token } = config.metrics;
  if (bearer !== undefined && token !== undefined && same(bearer, token)) return undefined;
  if (bearer !== undefined) return "the bearer token is not SANDPIT_METRICS_TOKEN";
  return token
    ? "/metrics needs a token: send Authorization: Bearer <SANDPIT_METRICS_TOKEN> (Prometheus: authorization.credentials), or the admin token in X-Sandpit-Admin-Token"
    : "/metrics needs a token: set SANDPIT_METRICS_TOKEN on the server and send Authorization: Bearer <it> (Prometheus: authorization.credentials), or send the admin token (the data folder's admin-token file) in X-Sandpit-Admin-Token";
}
