import { describe, expect, it } from "vitest";
import { egressSecretsSchema } from "./egress";

const secret = (value: string): unknown => [{ host: "api.example.com", header: "Authorization", value }];

describe("egressSecretsSchema", () => {
  it("takes a value of visible ASCII with spaces inside", () => {
    expect(egressSecretsSchema.safeParse(secret("Bearer abc~123")).success).toBe(true);
  });

  it("refuses control characters, line breaks, edge spaces and non-ASCII in a value, saying why", () => {
    for (const value of ["Bearer \u0001x", "a\tb", "a\r\nX: y", "a\u007f", " lead", "trail ", "caf\u00e9"]) {
      const result = egressSecretsSchema.safeParse(secret(value));
      expect(result.success, JSON.stringify(value)).toBe(false);
      expect(result.error?.issues[0]?.message).toContain("visible ASCII");
    }
  });
});
