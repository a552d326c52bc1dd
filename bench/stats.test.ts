import { describe, expect, it } from "vitest";
import { percentile, round } from "./stats";

describe("percentile", () => {
  it("takes the nearest rank", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile([7], 99)).toBe(7);
  });

  it("refuses an empty sample", () => {
    expect(() => percentile([], 50)).toThrow("no samples");
  });

  it("rounds to the given digits", () => {
    expect(round(1.23456, 2)).toBe(1.23);
  });
});
