import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cookieOwner } from "./cookie-caller";
import { newOwnerCookie } from "./owner";

const dataDir = mkdtempSync(path.join(tmpdir(), "cookie-caller-"));
const config = { dataDir, port: 3000, web: { publicUrl: "https://sandpit.example.com", allowedHosts: [] } };
const issued = newOwnerCookie(dataDir, false);
const cookie = issued.header.split(";")[0] ?? "";

function ask(target: string, headers: Record<string, string>, keys: boolean): string | undefined {
  const request = new Request(`http://localhost:3000${target}`, { headers: { cookie, ...headers } });
  return cookieOwner(request, config, target, keys);
}

describe("the owner cookie on REST and MCP", () => {
  it("acts without keys unless the browser marks the request cross-site", () => {
    expect(ask("/api/sessions", {}, false)).toBe(issued.owner);
    expect(ask("/api/sessions", { "sec-fetch-site": "same-origin" }, false)).toBe(issued.owner);
    expect(ask("/api/sessions", { "sec-fetch-site": "cross-site" }, false)).toBeUndefined();
    expect(ask("/api/sessions", { "sec-fetch-site": "same-site" }, false)).toBeUndefined();
    expect(ask("/api/sessions", { origin: "https://attacker.test" }, false)).toBeUndefined();
  });

  it("with keys, acts only on the web app's terminal and archive calls from its own pages", () => {
    const own = { "sec-fetch-site": "same-origin" };
    expect(ask("/api/sessions/s1/terminals", own, true)).toBe(issued.owner);
    expect(ask("/api/sessions/s1/terminals/t1/output", own, true)).toBe(issued.owner);
    expect(ask("/api/sessions/s1/archive", { origin: "https://sandpit.example.com" }, true)).toBe(issued.owner);
    expect(ask("/api/sessions/s1/terminals", {}, true)).toBeUndefined();
    expect(ask("/api/sessions", own, true)).toBeUndefined();
    expect(ask("/api/mcp", own, true)).toBeUndefined();
    expect(ask("/api/sessions/s1/files/a.txt", own, true)).toBeUndefined();
  });
});
