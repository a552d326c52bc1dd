import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearFlowCookie, flowCookie, readFlowCookie, safeReturnPath } from "./flow-cookie";

describe("safeReturnPath", () => {
  it("keeps paths on this Sandpit", () => {
    expect(safeReturnPath("/s/abc?tab=files#main.py")).toBe("/s/abc?tab=files#main.py");
    expect(safeReturnPath("/class/x/../y")).toBe("/class/y");
  });

  it.each([
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "evil.example",
    "/\t/evil.example",
    "/.//evil.example",
    "/..//evil.example",
    "/s/..//evil.example",
    "/%2e%2e//evil.example",
    "",
  ])("sends %j home instead of elsewhere", (text) => {
    expect(safeReturnPath(text)).toBe("/");
  });
});

describe("the sign-in cookie", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "flow-"));
  const flow = { state: "st", nonce: "no", codeVerifier: "cv", returnTo: "/s/1" };

  it("brings back what the sign-in stored, HttpOnly and Lax, for ten minutes", () => {
    const header = flowCookie(dataDir, flow, true, 1_000);
    expect(header).toMatch(/; Max-Age=600; Path=\/auth; HttpOnly; SameSite=Lax; Secure$/);
    const cookie = header.split(";")[0] ?? "";
    expect(readFlowCookie(`a=b; ${cookie}`, dataDir, 2_000)).toEqual({ ...flow, expires: 601_000 });
    expect(readFlowCookie(cookie, dataDir, 601_000)).toBeUndefined();
    expect(clearFlowCookie(false)).toMatch(/^sandpit_sign_in=; Max-Age=0; /);
  });

  it("is refused when forged or sealed by another server", () => {
    const cookie = flowCookie(dataDir, flow, false).split(";")[0] ?? "";
    expect(readFlowCookie(cookie.slice(0, -2) + "AA", dataDir)).toBeUndefined();
    expect(readFlowCookie(cookie, mkdtempSync(path.join(tmpdir(), "flow-other-")))).toBeUndefined();
    expect(readFlowCookie("sandpit_sign_in=v1.x.y.z", dataDir)).toBeUndefined();
    expect(readFlowCookie(null, dataDir)).toBeUndefined();
  });
});
