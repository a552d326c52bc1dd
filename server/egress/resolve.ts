import "server-only";
import { Resolver } from "node:dns/promises";
import net from "node:net";

/** Resolves a name to every address it has (A and AAAA); rejects when it has none or DNS fails. */
export type ResolveName = (name: string) => Promise<string[]>;

export interface ResolverOptions {
  /** Per query attempt, in milliseconds. */
  timeoutMs?: number;
  tries?: number;
  /** Names being resolved at once, across every session; more wait, at most `queue` of them. */
  concurrency?: number;
  queue?: number;
  /** DNS servers ("ip" or "ip:port"); the system's by default. */
  servers?: string[];
}

/**
 * A resolver for the proxy: c-ares queries with a timeout and a number of tries, not getaddrinfo,
 * so a name whose DNS never answers costs a timer, not one of libuv's four pool threads. Queries
 * across all sessions are capped, and a full queue refuses at once instead of growing.
 */
export function createResolver(options: ResolverOptions = {}): ResolveName {
  const { timeoutMs = 2_000, tries = 2, concurrency = 64, queue = 256 } = options;
  const resolver = new Resolver({ timeout: timeoutMs, tries });
  if (options.servers) resolver.setServers(options.servers);
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    if (running < concurrency) {
      running += 1;
      return;
    }
    if (waiting.length >= queue) throw new Error("too many names are being resolved");
    // The slot is handed over by the query that finishes, so `running` stays as it is.
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return async (name) => {
    if (net.isIP(name)) return [name];
    await slot();
    try {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
      const addresses = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
      if (addresses.length === 0) {
        const reason = v4.status === "rejected" ? (v4.reason as Error) : new Error(`${name} has no address`);
        throw reason;
      }
      return addresses;
    } finally {
      release();
    }
  };
}
