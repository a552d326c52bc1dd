import "server-only";
import type { Config } from "@/server/config";
import { allowedOrigins, crossSiteReason, isSameOrigin } from "./origin";
import { ownerFromCookie } from "./owner";

/** The REST endpoints the web app itself calls with its owner cookie: terminals and archives. */
const WEB_APP_PATHS = [/^\/api\/sessions\/[^/]+\/terminals(\/.*)?$/, /^\/api\/sessions\/[^/]+\/archive$/];

/**
 * The browser owner a REST or MCP request's cookie stands for, when the cookie may count. A request
 * a browser marks as cross-site (a foreign Origin, Sec-Fetch-Site cross-site or same-site) never
 * acts with it. With API keys in use it counts only on the web app's own endpoints, and only when
 * the browser says the call comes from one of our pages (Sec-Fetch-Site: same-origin, or a matching
 * Origin): every other REST call and MCP need a key.
 */
export function cookieOwner(
  request: Request,
  config: Pick<Config, "dataDir" | "port" | "web">,
  path: string,
  keysRequired: boolean,
): string | undefined {
  const owner = ownerFromCookie(request.headers.get("cookie"), config.dataDir);
  if (!owner) return undefined;
  const origins = allowedOrigins(config);
  if (!keysRequired) return crossSiteReason(request.headers, origins) === undefined ? owner : undefined;
  if (!isSameOrigin(request.headers, origins) || !WEB_APP_PATHS.some((pattern) => pattern.test(path))) return undefined;
  return owner;
}
