import { z } from "zod";
import { describe, expect, it } from "vitest";
import { zodProblems } from "./problems";

describe("zodProblems", () => {
  const schema = z.object({ name: z.string(), env: z.record(z.string(), z.number()) }).strict();

  it("names each field by its dotted path, one line per issue", () => {
    const parsed = schema.safeParse({ name: 3, env: { A: "x" } });
    expect(parsed.success).toBe(false);
    expect(zodProblems(parsed.error?.issues ?? [])).toEqual([
      "name: Invalid input: expected string, received number",
      "env.A: Invalid input: expected number, received string",
    ]);
  });

  it("puts a prefix before the path, and reports issues of the whole input by their message alone", () => {
    const whole = schema.safeParse("text");
    expect(zodProblems(whole.error?.issues ?? [])).toEqual(["Invalid input: expected object, received string"]);
    expect(zodProblems(whole.error?.issues ?? [], ["setup"])).toEqual(["setup: Invalid input: expected object, received string"]);
  });
});
