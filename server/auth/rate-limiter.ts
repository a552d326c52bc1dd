import "server-only";

/** Token buckets per key: `perMinute` requests a minute, refilled continuously. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token; returns the seconds to wait when there is none. */
  take(key: string, perMinute: number, now = Date.now()): { ok: true } | { ok: false; retryAfter: number } {
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil(((1 - bucket.tokens) / perMinute) * 60)) };
  }
}
