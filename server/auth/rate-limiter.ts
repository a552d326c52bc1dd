import "server-only";

/** How many keys a limiter tracks at most; past it, full buckets go first, then the oldest. */
export const MAX_RATE_LIMIT_KEYS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
  perMinute: number;
}

/**
 * Token buckets per key: `perMinute` requests a minute, refilled continuously. The table is bounded,
 * so keys a client can mint (browser cookies, rotating addresses) cannot grow it: a full bucket is
 * the same as no bucket and goes first, then the least recently added.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = MAX_RATE_LIMIT_KEYS) {}

  /** Takes one token; returns the seconds to wait when there is none. */
  take(key: string, perMinute: number, now = Date.now()): { ok: true } | { ok: false; retryAfter: number } {
    if (this.buckets.size >= this.maxKeys && !this.buckets.has(key)) this.prune(now);
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now, perMinute };
    bucket.tokens = refilled(bucket, now, perMinute);
    bucket.at = now;
    bucket.perMinute = perMinute;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil(((1 - bucket.tokens) / perMinute) * 60)) };
  }

  /** How many keys are tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets)
      if (refilled(bucket, now, bucket.perMinute) >= bucket.perMinute) this.buckets.delete(key);
    // Still full of busy clients: forget the oldest (a Map iterates in insertion order).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

function refilled(bucket: Bucket, now: number, perMinute: number): number {
  return Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
}
