import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter";

describe("RateLimiter", () => {
  it("allows the rate, then answers how long to wait, then refills", () => {
    const limiter = new RateLimiter();
    const start = 1_000_000;
    for (let i = 0; i < 60; i++) expect(limiter.take("k", 60, start).ok).toBe(true);
    expect(limiter.take("k", 60, start)).toEqual({ ok: false, retryAfter: 1 });
    expect(limiter.take("k", 60, start + 1_000).ok).toBe(true);
    expect(limiter.take("other", 60, start).ok).toBe(true);
  });

  it("keeps its table bounded when clients mint new keys, and drops full buckets before busy ones", () => {
    const limiter = new RateLimiter(100);
    const start = 1_000_000;
    // A busy key: its bucket is empty, so forgetting it would hand it a fresh minute.
    for (let i = 0; i < 10; i++) limiter.take("busy", 10, start);
    expect(limiter.take("busy", 10, start).ok).toBe(false);
    // Clients minting keys, one a millisecond, each with a bucket that is full again a millisecond later.
    for (let i = 1; i <= 1_000; i++) limiter.take(`minted-${i}`, 60_000, start + i);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // The busy key was kept: it still waits for its tokens.
    expect(limiter.take("busy", 10, start + 2_000).ok).toBe(false);
  });

  it("forgets the oldest keys when every bucket is in use", () => {
    const limiter = new RateLimiter(10);
    const start = 1_000_000;
    for (let i = 0; i < 50; i++) expect(limiter.take(`k-${i}`, 1, start).ok).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(10);
    expect(limiter.take("k-49", 1, start).ok).toBe(false);
  });
});
