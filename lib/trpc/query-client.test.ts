import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { shouldRetry } from "./query-client";

const trpcError = (code: string, httpStatus: number): TRPCClientError<never> =>
  TRPCClientError.from({ error: { message: "x", code: -32000, data: { code, httpStatus } } });

describe("shouldRetry", () => {
  it("never asks again after a final answer: not found, bad request, refused", () => {
    for (const code of ["NOT_FOUND", "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "CONFLICT"])
      expect(shouldRetry(0, trpcError(code, 400))).toBe(false);
  });
  it("retries server and network failures up to three times", () => {
    expect(shouldRetry(0, trpcError("INTERNAL_SERVER_ERROR", 500))).toBe(true);
    expect(shouldRetry(2, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetry(3, new TypeError("Failed to fetch"))).toBe(false);
    expect(shouldRetry(0, null)).toBe(true);
  });
});
