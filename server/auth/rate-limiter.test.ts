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
});
