import { describe, expect, it } from "vitest";
import { HttpRequestError } from "@/server/errors";
import { SessionExistsError } from "@/server/sessions/errors";
import { toTRPCError } from "./errors";

describe("toTRPCError", () => {
  it("gives tRPC the code matching the shared error map", () => {
    expect(toTRPCError(new SessionExistsError("x")).code).toBe("CONFLICT");
    expect(toTRPCError(new HttpRequestError(429, "rate_limited", "x")).code).toBe("TOO_MANY_REQUESTS");
  });
});
