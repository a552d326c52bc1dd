// No "server-only" marker: proxy.ts imports this module (see owner.ts).
import type { Config } from "@/server/config";
import { allowedHosts } from "./host";

/** Methods that change nothing; every other method is state-changing and has its origin checked. */
export const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Origins whose pages may change state here: the public URL's origin exactly, and http or https
 * on every other allowed host (loopback and the configured extra hosts).
 */
export function allowedOrigins(config: Pick<Config, "port" | "web"> & { node?: Pick<Config["node"], "address"> }): string[] {
  const origins = new Set<string>();
  const publicHost = config.web.publicUrl ? new URL(config.web.publicUrl).host.toLowerCase() : undefined;
  if (config.web.publicUrl) origins.add(new URL(config.web.publicUrl).origin.toLowerCase());
  for (const host of allowedHosts(config)) {
    if (host === publicHost) continue;
    origins.add(`http://${host}`);
    origins.add(`https://${host}`);
  }
  return [...origins];
}

/**
 * Why a request comes from another site, or undefined when it does not. A present Origin must be
 * one of ours; without one, a browser's `Sec-Fetch-Site` must say same-origin (or none: typed in);
 * a request with neither (curl, SDKs) is not a browser's and passes.
 */
export function crossSiteReason(headers: Headers, origins: readonly string[]): string | undefined {
  const origin = headers.get("origin");
  if (origin !== null) {
    if (origins.includes(origin.trim().toLowerCase())) return undefined;
    return `cross-site request refused: Origin "${origin}" is not one of this Sandpit's (${origins.join(", ")})`;
  }
  const site = headers.get("sec-fetch-site");
  if (site === null || site === "same-origin" || site === "none") return undefined;
  return `cross-site request refused: the browser says it comes from another site (Sec-Fetch-Site: ${site})`;
}

/** True when a browser says the request comes from one of our own pages. */
export function isSameOrigin(headers: Headers, origins: readonly string[]): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin" && crossSiteReason(headers, origins) === undefined;
  const origin = headers.get("origin");
  return origin !== null && origins.includes(origin.trim().toLowerCase());
}
