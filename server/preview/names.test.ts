import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostPort, isPreviewDomain, parsePreviewHost, previewBase, previewOrigin, sessionLabel } from "./names";

const dataDir = mkdtempSync(path.join(tmpdir(), "sandpit-preview-names-"));

describe("preview host names", () => {
  const base = previewBase(undefined);

  it("gives sessions whose ids differ only in case labels of their own, fit for a host name", () => {
    const upper = sessionLabel(dataDir, "s-ABCdef");
    const lower = sessionLabel(dataDir, "s-abcdef");
    expect(upper).not.toBe(lower);
    expect(upper).toMatch(/^[a-z2-7]{26}$/);
    expect(sessionLabel(dataDir, "s-ABCdef")).toBe(upper);
  });

  it("builds an origin per session and port, on the port Sandpit was reached by unless one is configured", () => {
    const label = sessionLabel(dataDir, "s-one");
    expect(previewOrigin(base, label, 8000, "3100")).toBe(`http://8000--${label}.localhost:3100`);
    expect(previewOrigin(previewBase("https://preview.example.com"), label, 5173, "3100")).toBe(
      `https://5173--${label}.preview.example.com`,
    );
    expect(previewOrigin(previewBase("http://p.example.com:8080"), label, 80, "")).toBe(`http://80--${label}.p.example.com:8080`);
  });

  it("reads the port and label back from a Host header, in any case, and nothing else", () => {
    const label = sessionLabel(dataDir, "s-one");
    expect(parsePreviewHost(`8000--${label}.localhost:3100`, base)).toEqual({ port: 8000, label });
    expect(parsePreviewHost(`8000--${label.toUpperCase()}.LOCALHOST`, base)).toEqual({ port: 8000, label });
    for (const host of [
      `70000--${label}.localhost`,
      `0--${label}.localhost`,
      `08000--${label}.localhost`,
      `8000--${label}x.localhost`,
      `8000--${label}.localhost.evil.com`,
      `8000--${label}.other.localhost`,
      `a.8000--${label}.localhost`,
      "localhost:3100",
      "preview.localhost",
      undefined,
    ])
      expect(parsePreviewHost(host, base), String(host)).toBeUndefined();
  });

  it("claims every host under a configured preview domain, and no other", () => {
    const own = previewBase("https://preview.example.com");
    expect(isPreviewDomain("preview.example.com", own)).toBe(true);
    expect(isPreviewDomain("x.y.preview.example.com:443", own)).toBe(true);
    expect(isPreviewDomain("example.com", own)).toBe(false);
    expect(isPreviewDomain("evilpreview.example.com", own)).toBe(false);
  });

  it("claims only preview host names under the default, localhost, where Sandpit itself may be", () => {
    const label = sessionLabel(dataDir, "s-one");
    expect(isPreviewDomain(`8000--${label}.localhost:3000`, base)).toBe(true);
    expect(isPreviewDomain("localhost:3000", base)).toBe(false);
    expect(isPreviewDomain("sandpit.localhost:3000", base)).toBe(false);
    expect(isPreviewDomain("127.0.0.1:3000", base)).toBe(false);
  });

  it("takes the port of a Host header", () => {
    expect(hostPort("localhost:3100")).toBe("3100");
    expect(hostPort("[::1]:3100")).toBe("3100");
    expect(hostPort("example.com")).toBe("");
    expect(hostPort(null)).toBe("");
  });
});
