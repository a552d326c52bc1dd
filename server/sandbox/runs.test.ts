import { describe, expect, it } from "vitest";
import { TIMEOUT_MESSAGES } from "@/lib/limits";
import { checkEnv, checkTimeout } from "./runs";

describe("checkTimeout", () => {
  it("keeps the time limit a caller gives", () => {
    expect(checkTimeout(1500, 30_000)).toBe(1500);
    expect(checkTimeout(3_600_000, 30_000)).toBe(3_600_000);
  });

  it("takes the configured default when none is given", () => {
    expect(checkTimeout(undefined, 12_000)).toBe(12_000);
  });

  it("refuses limits past one hour, zero, negative or not a number, in the API's words", () => {
    expect(() => checkTimeout(3_600_001, 30_000)).toThrow(TIMEOUT_MESSAGES.max);
    expect(() => checkTimeout(0, 30_000)).toThrow(TIMEOUT_MESSAGES.positive);
    expect(() => checkTimeout(-5, 30_000)).toThrow(TIMEOUT_MESSAGES.positive);
    expect(() => checkTimeout(Number.NaN, 30_000)).toThrow(TIMEOUT_MESSAGES.type);
  });
});

describe("checkEnv", () => {
  it("passes valid names and refuses others, naming the bad one", () => {
    expect(checkEnv({ TOKEN: "x", _a1: "y" })).toEqual({ TOKEN: "x", _a1: "y" });
    expect(checkEnv(undefined)).toEqual({});
    expect(() => checkEnv({ "BAD-NAME": "x" })).toThrow('environment variable name "BAD-NAME" is invalid');
  });
});
