import { describe, expect, it } from "vitest";
import {
  createSessionSchema,
  envSchema,
  execSchema,
  runSchema,
  sessionIdSchema,
  shellIdSchema,
  timeoutSchema,
  updateSessionSchema,
} from "@/lib/api/schemas";
import { setupSpecSchema } from "@/lib/setup/spec";
import { ENV_NAME_PATTERN, ID_PATTERN, RUN_TIMEOUT, resolveTimeout, TIMEOUT_MESSAGES, timeoutProblem } from "./limits";

describe("resolveTimeout", () => {
  it("takes the run's own timeout before the session's and the configured one", () => {
    expect(resolveTimeout({ run: 2, session: 7 }, 30_000)).toEqual({ seconds: 2, ms: 2000, source: "run" });
  });

  it("takes the session owner's choice when the run asks for none", () => {
    expect(resolveTimeout({ session: 7 }, 30_000)).toEqual({ seconds: 7, ms: 7000, source: "session" });
    expect(resolveTimeout({ run: null, session: 7 }, 30_000)).toEqual({ seconds: 7, ms: 7000, source: "session" });
  });

  it("follows the configured default when neither the run nor the session chose one", () => {
    expect(resolveTimeout({ session: null }, 45_000)).toEqual({ seconds: 45, ms: 45_000, source: "server" });
    expect(resolveTimeout({}, 2_500)).toEqual({ seconds: 2.5, ms: 2500, source: "server" });
  });

  it("gives whole milliseconds, never 0", () => {
    expect(resolveTimeout({ run: 0.0004 }, 30_000).ms).toBe(1);
    expect(resolveTimeout({ run: 1.2345 }, 30_000).ms).toBe(1235);
  });
});

describe("timeoutProblem", () => {
  it("accepts a positive number of seconds up to one hour", () => {
    for (const seconds of [0.001, 1, 30, 59.5, RUN_TIMEOUT.maxSeconds]) expect(timeoutProblem(seconds)).toBeUndefined();
  });

  it("says what is wrong with zero, negative, too long and non-numbers", () => {
    expect(timeoutProblem(0)).toBe(TIMEOUT_MESSAGES.positive);
    expect(timeoutProblem(-3)).toBe(TIMEOUT_MESSAGES.positive);
    expect(timeoutProblem(RUN_TIMEOUT.maxSeconds + 0.001)).toBe("timeout is at most 3600 seconds (1 hour)");
    expect(timeoutProblem(Infinity)).toBe(TIMEOUT_MESSAGES.max);
    expect(timeoutProblem(Number.NaN)).toBe(TIMEOUT_MESSAGES.type);
    expect(timeoutProblem("10")).toBe(TIMEOUT_MESSAGES.type);
  });

  it("agrees with the API's timeout schema on every value, word for word", () => {
    for (const value of [-1, 0, 0.5, 1, 3599.9, 3600, 3600.5, 1e9, "5", null]) {
      const parsed = timeoutSchema.safeParse(value);
      expect(parsed.success ? undefined : parsed.error.issues[0]?.message).toBe(timeoutProblem(value));
    }
  });

  it("holds runs, commands, one-off runs and session defaults to the same bound", () => {
    const over = RUN_TIMEOUT.maxSeconds + 1;
    const messages = [
      runSchema.safeParse({ code: "1", timeout: over }),
      execSchema.safeParse({ command: "true", timeout: over }),
      createSessionSchema.safeParse({ language: "python", default_timeout: over }),
      updateSessionSchema.safeParse({ default_timeout: over }),
    ].map((parsed) => (parsed.success ? "accepted" : parsed.error.issues[0]?.message));
    expect(messages).toEqual(Array(4).fill(TIMEOUT_MESSAGES.max));
  });

  it("lets a session's owner go back to the configured default with null", () => {
    expect(updateSessionSchema.parse({ default_timeout: null })).toEqual({ default_timeout: null });
    expect(createSessionSchema.parse({ language: "python", default_timeout: null }).default_timeout).toBeNull();
  });
});

describe("patterns", () => {
  it("env names: letters, digits and _, not starting with a digit", () => {
    for (const name of ["A", "_x", "TOKEN_2", "a1"]) expect(ENV_NAME_PATTERN.test(name)).toBe(true);
    for (const name of ["", "1A", "A-B", "A B", "É", "A=B", "A\0"]) expect(ENV_NAME_PATTERN.test(name)).toBe(false);
  });

  it("ids: 1 to 64 letters, digits, - and _", () => {
    for (const id of ["a", "s-1_x", "A".repeat(64)]) expect(ID_PATTERN.test(id)).toBe(true);
    for (const id of ["", "A".repeat(65), "a b", "a/b", "a.b", "ä", "x\n"]) expect(ID_PATTERN.test(id)).toBe(false);
  });

  it("per-run env, setup envs, session ids and shell ids follow them", () => {
    expect(envSchema.safeParse({ "1A": "x" }).success).toBe(false);
    expect(envSchema.safeParse({ _OK: "x" }).success).toBe(true);
    expect(setupSpecSchema.safeParse({ envs: { "1A": "x" } }).success).toBe(false);
    expect(setupSpecSchema.safeParse({ envs: { _OK: "x" } }).success).toBe(true);
    expect(sessionIdSchema.safeParse("A".repeat(65)).success).toBe(false);
    expect(shellIdSchema.safeParse("a b").error?.issues[0]?.message).toBe("shell ids use 1 to 64 letters, digits, - and _");
  });
});
