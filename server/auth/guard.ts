// No "server-only" marker: proxy.ts imports this module (see owner.ts).
import type { Config } from "@/server/config";
import { allowedHosts, isAllowedHost, misdirectedMessage } from "./host";
import { allowedOrigins, crossSiteReason, SAFE_METHODS } from "./origin";

export interface Refusal {
  status: 400 | 403 | 421;
  error: "bad_request" | "forbidden" | "misdirected_request";
  message: string;
}

function hasBadEscape(text: string): boolean {
  try {
    decodeURIComponent(text);
    return false;
  } catch {
    return true;
  }
}

/**
 * The checks every request passes before any page or API code sees it: a path that decodes, a
 * Host this Sandpit answers to (DNS rebinding), and, for state-changing methods, no foreign Origin
 * (CSRF). The proxy runs it for every request; the API route handlers run it again, so an API
 * stays guarded even where the proxy is skipped.
 */
export function checkWebRequest(
  request: { method: string; url: string; headers: Headers },
  config: Pick<Config, "port" | "web"> & { node?: Pick<Config["node"], "address"> },
): Refusal | undefined {
  const path = new URL(request.url).pathname;
  if (hasBadEscape(path))
    return { status: 400, error: "bad_request", message: `the path ${path} has a malformed % escape; encode % as %25` };
  const hosts = allowedHosts(config);
  const host = request.headers.get("host");
  if (!isAllowedHost(host, hosts)) return { status: 421, error: "misdirected_request", message: misdirectedMessage(host, hosts) };
  if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
  const reason = crossSiteReason(request.headers, allowedOrigins(config));
  return reason ? { status: 403, error: "forbidden", message: reason } : undefined;
}

/** The same checks on a request as Node's HTTP server hands it over (before the app sees it). */
export function admitsWebRequest(
  request: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
  config: Pick<Config, "port" | "web"> & { node?: Pick<Config["node"], "address"> },
): boolean {
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(key, one);
  }
  // The URL's own host is a placeholder: the Host header is what is checked.
  const url = `http://request.invalid${request.url?.startsWith("/") ? request.url : "/"}`;
  return checkWebRequest({ method: request.method ?? "GET", url, headers }, config) === undefined;
}

/** A refusal as the caller expects it: JSON on the API, plain text on pages. */
export function refusalResponse(refusal: Refusal, path: string): Response {
  const headers = { "cache-control": "no-store" };
  if (path.startsWith("/api/"))
    return Response.json({ error: refusal.error, message: refusal.message }, { status: refusal.status, headers });
  return new Response(`${refusal.message}\n`, {
    status: refusal.status,
    headers: { ...headers, "content-type": "text/plain; charset=utf-8" },
  });
}
