import "server-only";
import { Resolver as DnsResolver } from "node:dns/promises";
import net from "node:net";
import { FairShare } from "./fair-share";

/** Resolves a name, for one session, to every address it has (A and AAAA); rejects when it has none or DNS fails. */
export type ResolveName = (name: string, sessionId: string) => Promise<string[]>;

/** One DNS lookup of a name: its addresses, each with the seconds it may be kept. */
export type Lookup = (name: string) => Promise<Array<{ address: string; ttl: number }>>;

export interface ResolverOptions {
  /** Per query attempt, in milliseconds. */
  timeoutMs?: number;
  tries?: number;
  /** Names being resolved at once, across every session; more wait, at most `queue` of them. */
  concurrency?: number;
  queue?: number;
  /** Names one session may have resolving at once, and waiting. */
  perSession?: number;
  perSessionQueue?: number;
  /** The longest an answer is reused, whatever its TTL says; 0 turns reuse off. */
  cacheMs?: number;
  /** Names whose answers are kept at once; the least recently used goes first. */
  cacheSize?: number;
  /** DNS servers ("ip" or "ip:port"); the system's by default. */
  servers?: string[];
  /** In place of c-ares (tests). */
  lookup?: Lookup;
  /** Milliseconds, for the cache's expiry (tests). */
  now?: () => number;
}

export interface Resolver {
  /** A name one session's program asked for: within the session's fair share of lookups, reusing a fresh answer. */
  forSession: ResolveName;
  /** A name the host itself needs (its public URL's): outside the sessions' pool, never from the cache. */
  forHost: (name: string) => Promise<string[]>;
}

/**
 * c-ares queries with a timeout and a number of tries, not getaddrinfo, so a name whose DNS never
 * answers costs a timer, not one of libuv's four pool threads.
 */
function caresLookup(options: ResolverOptions): Lookup {
  const resolver = new DnsResolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  if (options.servers) resolver.setServers(options.servers);
  return async (name) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
    const records = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
    if (records.length === 0) throw v4.status === "rejected" ? (v4.reason as Error) : new Error(`${name} has no address`);
    return records;
  };
}

/**
 * Positive answers only, each kept for its smallest TTL and never longer than `cacheMs`. A failure
 * is never kept: a name that did not resolve is asked again next time.
 */
class AnswerCache {
  private readonly entries = new Map<string, { addresses: string[]; until: number }>();

  constructor(
    private readonly maxMs: number,
    private readonly size: number,
    private readonly now: () => number,
  ) {}

  get(name: string): string[] | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    this.entries.delete(name);
    if (entry.until <= this.now()) return undefined;
    // Map order is insertion order: set again, the entry is now the most recently used.
    this.entries.set(name, entry);
    return entry.addresses;
  }

  set(name: string, records: Array<{ address: string; ttl: number }>): void {
    const ttlMs = Math.min(this.maxMs, ...records.map((record) => record.ttl * 1_000));
    if (ttlMs <= 0 || this.size <= 0) return;
    this.entries.delete(name);
    this.entries.set(name, { addresses: records.map((record) => record.address), until: this.now() + ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.size) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * The proxy's resolver. Lookups for sessions share a bounded pool fairly (see FairShare) and reuse
 * an answer for at most `cacheMs`; the addresses are checked by the caller after every lookup,
 * cached or not. The host's own lookups bypass both.
 */
export function createResolver(options: ResolverOptions = {}): Resolver {
  const { concurrency = 64, queue = 256, perSession = 8, perSessionQueue = 32 } = options;
  const lookup = options.lookup ?? caresLookup(options);
  const pool = new FairShare({ concurrency, queue, perSession, perSessionQueue });
  const cache = new AnswerCache(options.cacheMs ?? 30_000, options.cacheSize ?? 1_024, options.now ?? Date.now);
  return {
    forSession: async (name, sessionId) => {
      if (net.isIP(name)) return [name];
      const key = name.toLowerCase();
      const cached = cache.get(key);
      if (cached) return [...cached];
      const records = await pool.run(sessionId, () => lookup(key));
      cache.set(key, records);
      return records.map((record) => record.address);
    },
    forHost: async (name) => {
      if (net.isIP(name)) return [name];
      return (await lookup(name)).map((record) => record.address);
    },
  };
}
