import { describe, expect, it } from "vitest";
import { allowedOrigins, crossSiteReason, isSameOrigin } from "./origin";

const origins = allowedOrigins({ port: 3000, web: { publicUrl: "https://ide.example.org", allowedHosts: [] } });

describe("allowedOrigins", () => {
  it("holds the public origin exactly and both schemes on the other allowed hosts", () => {
    expect(origins).toContain("https://ide.example.org");
    expect(origins).not.toContain("http://ide.example.org");
    expect(origins).toEqual(expect.arrayContaining(["http://localhost:3000", "https://localhost:3000"]));
  });
});

describe("crossSiteReason", () => {
  it("passes our own origins, without case, and refuses others naming them", () => {
    expect(crossSiteReason(new Headers({ origin: "HTTPS://IDE.example.org" }), origins)).toBeUndefined();
    const reason = crossSiteReason(new Headers({ origin: "https://evil.example" }), origins);
    expect(reason).toContain('Origin "https://evil.example"');
    expect(reason).toContain("https://ide.example.org");
  });

  it("without an Origin, trusts Sec-Fetch-Site: same-origin and none pass, cross-site does not", () => {
    expect(crossSiteReason(new Headers({ "sec-fetch-site": "same-origin" }), origins)).toBeUndefined();
    expect(crossSiteReason(new Headers({ "sec-fetch-site": "none" }), origins)).toBeUndefined();
    expect(crossSiteReason(new Headers({ "sec-fetch-site": "cross-site" }), origins)).toContain("Sec-Fetch-Site: cross-site");
    expect(crossSiteReason(new Headers({ "sec-fetch-site": "same-site" }), origins)).toBeDefined();
  });

  it("lets a request with neither header through (a program, not a browser)", () => {
    expect(crossSiteReason(new Headers(), origins)).toBeUndefined();
  });
});

describe("isSameOrigin", () => {
  it("needs a browser's word that the request comes from one of our pages", () => {
    expect(isSameOrigin(new Headers({ "sec-fetch-site": "same-origin", origin: "http://localhost:3000" }), origins)).toBe(true);
    expect(isSameOrigin(new Headers({ "sec-fetch-site": "same-origin", origin: "https://evil.example" }), origins)).toBe(false);
    expect(isSameOrigin(new Headers({ "sec-fetch-site": "none" }), origins)).toBe(false);
    expect(isSameOrigin(new Headers({ origin: "https://ide.example.org" }), origins)).toBe(true);
    expect(isSameOrigin(new Headers(), origins)).toBe(false);
  });
});
