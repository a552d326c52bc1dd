// No "server-only" marker: proxy.ts imports this module (see owner.ts).
import type { Config } from "@/server/config";

/** Names that reach this machine only; a page elsewhere cannot make a browser send them as Host. */
export const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"] as const;

/** The port the server listens on: `next start -p` records it in PORT, else the configured one. */
export function listeningPort(config: Pick<Config, "port">): number {
  const fromServer = Number(process.env.PORT);
  return Number.isInteger(fromServer) && fromServer > 0 ? fromServer : config.port;
}

/**
 * Host header values this Sandpit answers to: the public URL's host, the configured extra hosts,
 * this node's own address and the loopback names at the listening port. Anything else is a DNS-rebinding attempt or a
 * misconfiguration, and both are refused.
 */
export function allowedHosts(config: Pick<Config, "port" | "web"> & { node?: Pick<Config["node"], "address"> }): string[] {
  const port = listeningPort(config);
  const hosts = new Set<string>(config.web.allowedHosts);
  if (config.web.publicUrl) hosts.add(new URL(config.web.publicUrl).host.toLowerCase());
  // The address other nodes reach this one at (SANDPIT_NODE_ADDRESS): requests they send on name it.
  if (config.node) hosts.add(new URL(config.node.address).host.toLowerCase());
  for (const name of LOOPBACK_NAMES) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return [...hosts];
}

export function isAllowedHost(host: string | null, allowed: readonly string[]): boolean {
  return host !== null && allowed.includes(host.trim().toLowerCase());
}

/** What a refused Host is told: which names to use, and the settings that add one. */
export function misdirectedMessage(host: string | null, allowed: readonly string[]): string {
  return (
    `misdirected request: this Sandpit answers to ${allowed.join(", ")}, not ${host ? `"${host}"` : "a request without a Host header"}; ` +
    "set SANDPIT_PUBLIC_URL (or add the name to SANDPIT_ALLOWED_HOSTS) to serve it under another name"
  );
}
