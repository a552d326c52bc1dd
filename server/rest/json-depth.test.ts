import { describe, expect, it } from "vitest";
import { API_LIMITS } from "@/lib/limits";
import { jsonDepth, jsonDepthProblem } from "./json-depth";

describe("jsonDepth", () => {
  it("counts nested arrays and objects", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth("[".repeat(5000) + "]".repeat(5000))).toBe(5000);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepth('{"a":"[[[{{{\\"[[["}')).toBe(1);
  });

  it("names the depth and the limit when a body is too deep", () => {
    const deep = '{"a":'.repeat(API_LIMITS.jsonDepth + 1) + "1" + "}".repeat(API_LIMITS.jsonDepth + 1);
    expect(jsonDepthProblem(deep, "the body")).toBe(
      `the body nests arrays and objects ${API_LIMITS.jsonDepth + 1} levels deep; at most ${API_LIMITS.jsonDepth} are allowed`,
    );
    expect(jsonDepthProblem('{"a":[1]}', "the body")).toBeUndefined();
  });
});
