import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newOwnerCookie, ownerFromCookie } from "./owner";

describe("owner cookies", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "owner-"));

  it("identify the browser they were given to", () => {
    const { owner, header } = newOwnerCookie(dataDir, false);
    const cookie = header.split(";")[0] ?? "";
    expect(ownerFromCookie(`theme=dark; ${cookie}`, dataDir)).toBe(owner);
    expect(header).toContain("HttpOnly");
  });

  it("are refused when tampered with or signed by another server", () => {
    const { header } = newOwnerCookie(dataDir, false);
    const cookie = header.split(";")[0] ?? "";
    const [name, value] = cookie.split("=");
    const [subject, mac] = (value ?? "").split(".");
    expect(ownerFromCookie(`${name}=${subject}x.${mac}`, dataDir)).toBeUndefined();
    expect(ownerFromCookie(cookie, mkdtempSync(path.join(tmpdir(), "other-")))).toBeUndefined();
    expect(ownerFromCookie(null, dataDir)).toBeUndefined();
  });

  it("are never signed with a short key from an empty or non-hex owner-secret file", () => {
    for (const content of ["", "zz".repeat(32), "ab".repeat(31), "ab".repeat(16) + "not hex"]) {
      const dir = mkdtempSync(path.join(tmpdir(), "owner-bad-"));
      writeFileSync(path.join(dir, "owner-secret"), content);
      expect(() => newOwnerCookie(dir, false), JSON.stringify(content)).toThrow(/at least 32 bytes/);
    }
  });
});
