import "server-only";
import { isAdmin } from "@/server/auth/admin-token";
import { cookieOwner } from "@/server/auth/cookie-caller";
import { HttpRequestError } from "@/server/errors";
import type { Services } from "@/server/services";
import { callerFromOwner, requestAddress } from "@/server/sessions/caller";
import { routeList, type RouteName, type RouteSpec } from "@/lib/api/contract";
import { API_LIMITS } from "@/lib/limits";
import { logger } from "@/server/logger";
import { parseInput } from "@/server/sessions/validation";
import { errorResponse, json, readJson } from "./http";
import { handlers, type Handler, type RouteContext } from "./routes";

interface Match {
  name: RouteName;
  route: RouteSpec;
  params: Record<string, string>;
}

/** Matches `/api/sessions/:id/files/*path` style patterns; params are percent-decoded. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string;
    if (part.startsWith("*")) {
      if (i >= have.length) return undefined;
      params[part.slice(1)] = have.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    const segment = have[i];
    if (segment === undefined) return undefined;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
    else if (part !== segment) return undefined;
  }
  return want.length === have.length ? params : undefined;
}

function find(method: string, path: string): { match?: Match; allowed: string[] } {
  const allowed: string[] = [];
  for (const [name, route] of routeList()) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { match: { name, route, params }, allowed };
    allowed.push(route.method);
  }
  return { allowed };
}

/** Checks the bearer key when keys are in use and applies its rate limit; returns the owner id. */
export async function authorize(request: Request, services: Services, path: string): Promise<string | undefined> {
  if (path.startsWith("/api/admin/")) {
    if (!isAdmin(request, services.config.dataDir))
      throw new HttpRequestError(403, "forbidden", "administration needs the token in the data folder (npm run keys does this)");
    return undefined;
  }
  const header = request.headers.get("authorization") ?? "";
  const required = await services.apiKeys.required();
  const browser = header ? undefined : cookieOwner(request, services.config, path, required);
  if (browser) {
    const limited = services.rateLimiter.take(browser, services.config.api.rateLimitPerMinute);
    if (!limited.ok)
      throw new HttpRequestError(429, "rate_limited", `too many requests; retry in ${limited.retryAfter} s`, limited.retryAfter);
    return browser;
  }
  if (!required) {
    const limited = services.rateLimiter.take("anonymous", services.config.api.rateLimitPerMinute);
    if (!limited.ok)
      throw new HttpRequestError(429, "rate_limited", `too many requests; retry in ${limited.retryAfter} s`, limited.retryAfter);
    return undefined;
  }
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token)
    throw new HttpRequestError(
      401,
      "unauthorized",
      "this Sandpit needs an API key: send Authorization: Bearer <key> (a browser's cookie counts only for the web app's own calls from its own pages)",
    );
  const key = await services.apiKeys.authenticate(token);
  if (!key) throw new HttpRequestError(401, "unauthorized", "the API key is not valid or was revoked");
  const limited = services.rateLimiter.take(key.id, key.rateLimit);
  if (!limited.ok)
    throw new HttpRequestError(
      429,
      "rate_limited",
      `rate limit of ${key.rateLimit} requests a minute reached; retry in ${limited.retryAfter} s`,
      limited.retryAfter,
    );
  return `key:${key.id}`;
}

/** The handler's reply as the table declares it: JSON holds only the fields of the route's schema. */
export function answer(name: RouteName, route: RouteSpec, reply: unknown): Response {
  if (reply instanceof Response) return reply;
  const { status, json: schema } = route.success;
  if (!schema) return new Response(null, { status });
  const checked = schema.safeParse(reply);
  if (!checked.success) {
    logger.error({ route: name, issues: checked.error.issues }, "a handler's answer does not match the route table");
    throw new Error(`the answer of ${name} does not match its schema`);
  }
  return json(status, checked.data);
}

/** Answers one REST request; every failure becomes JSON `{ error, message }` with its status. */
export async function handleRest(request: Request, services: Services): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/\/+$/, "") || "/";
  try {
    const { match, allowed } = find(request.method, path);
    if (!match) {
      if (allowed.length > 0)
        return json(
          405,
          { error: "method_not_allowed", message: `${request.method} is not supported here; use ${allowed.join(", ")}` },
          { allow: allowed.join(", ") },
        );
      return json(404, { error: "not_found", message: `no API endpoint at ${request.method} ${path}; see /api/openapi.json` });
    }
    const { name, route, params } = match;
    // Who is calling, built once: the session services decide what this caller may do.
    const owner = route.access === "public" ? undefined : await authorize(request, services, path);
    const caller = callerFromOwner(owner, requestAddress(request.headers));
    // Inputs are checked against the route table before the handler runs; a raw body is the handler's to read.
    const query = route.query ? parseInput(route.query, Object.fromEntries(url.searchParams)) : {};
    const body =
      route.body?.json && !route.body.raw
        ? parseInput(route.body.json, await readJson(request, API_LIMITS.bodyBytes))
        : undefined;
    const handler = handlers[name] as Handler<RouteSpec>;
    const context = { request, url, services, caller, params, query, body } as RouteContext;
    return answer(name, route, await handler(context));
  } catch (error) {
    return errorResponse(error, { method: request.method, path });
  }
}
