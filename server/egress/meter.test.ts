import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenBucket } from "./meter";

describe("TokenBucket", () => {
  afterEach(() => vi.useRealTimers());

  it("lets a second's worth through at once, then makes takers wait off their debt", async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(1000);
    let done = false;
    await bucket.take(1000);
    const next = bucket.take(500).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(done).toBe(true);
  });

  it("shares one rate among concurrent takers", async () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(1000);
    await bucket.take(1000);
    const finished: number[] = [];
    const a = bucket.take(1000).then(() => finished.push(1));
    const b = bucket.take(1000).then(() => finished.push(2));
    await vi.advanceTimersByTimeAsync(1000);
    await a;
    expect(finished).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([a, b]);
    expect(finished).toEqual([1, 2]);
  });
});
