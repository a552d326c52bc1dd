import { describe, expect, it } from "vitest";
import { HttpRequestError } from "@/server/errors";
import { SessionElsewhereError } from "@/server/nodes/errors";
import { SessionExistsError } from "@/server/sessions/errors";
import { toTRPCError } from "./errors";

describe("toTRPCError", () => {
  it("gives tRPC the code matching the shared error map", () => {
    expect(toTRPCError(new SessionExistsError("x")).code).toBe("CONFLICT");
    expect(toTRPCError(new HttpRequestError(429, "rate_limited", "x")).code).toBe("TOO_MANY_REQUESTS");
    const elsewhere = toTRPCError(new SessionElsewhereError("s1", "node-b", null));
    expect([elsewhere.code, elsewhere.message]).toEqual([
      "CONFLICT",
      "session s1 runs on node node-b; send the request there, or retry once it lets the session go",
    ]);
  });
});
