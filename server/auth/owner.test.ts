import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newOwnerCookie, OWNER_COOKIE, ownerCookie, ownerFromCookie } from "./owner";

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

  it("carry a signed-in account, whose MAC no browser cookie can stand in for", () => {
    const account = "oidc:" + "a".repeat(43);
    const cookie = ownerCookie(account, dataDir, true).header;
    expect(cookie).toMatch(/^sandpit_owner=oidc\.a{43}\.[A-Za-z0-9_-]+; .*HttpOnly; SameSite=Lax; Secure$/);
    expect(ownerFromCookie(cookie.split(";")[0] ?? "", dataDir)).toBe(account);
    // A browser cookie with the same subject has a valid MAC for the browser only.
    const browser = ownerCookie("browser:" + "a".repeat(43), dataDir, false).header.split(";")[0] ?? "";
    const browserMac = browser.split(".").at(-1) ?? "";
    expect(ownerFromCookie(browser, dataDir)).toBe("browser:" + "a".repeat(43));
    expect(ownerFromCookie(`${OWNER_COOKIE}=oidc.${"a".repeat(43)}.${browserMac}`, dataDir)).toBeUndefined();
    expect(ownerFromCookie(`${OWNER_COOKIE}=browser.${"a".repeat(43)}.${browserMac}`, dataDir)).toBeUndefined();
    expect(() => ownerCookie("key:k-123456789012345678", dataDir, false)).toThrow("not a browser or account owner id");
  });

  it("are never signed with a short key from an empty or non-hex owner-secret file", () => {
    for (const content of ["", "zz".repeat(32), "ab".repeat(31), "ab".repeat(16) + "not hex"]) {
      const dir = mkdtempSync(path.join(tmpdir(), "owner-bad-"));
      writeFileSync(path.join(dir, "owner-secret"), content);
      expect(() => newOwnerCookie(dir, false), JSON.stringify(content)).toThrow(/at least 32 bytes/);
    }
  });
});
