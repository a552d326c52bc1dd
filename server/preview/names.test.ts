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
    expect(previewOrigin(base, label, 8000, "3100")).toBe(`http://8000--${label}.preview.localhost:3100`);
    expect(previewOrigin(previewBase("https://preview.example.com"), label, 5173, "3100")).toBe(
      `https://5173--${label}.preview.example.com`,
    );
    expect(previewOrigin(previewBase("http://p.example.com:8080"), label, 80, "")).toBe(`http://80--${label}.p.example.com:8080`);
  });

  it("reads the port and label back from a Host header, in any case, and nothing else", () => {
    const label = sessionLabel(dataDir, "s-one");
    expect(parsePreviewHost(`8000--${label}.preview.localhost:3100`, base)).toEqual({ port: 8000, label });
    expect(parsePreviewHost(`8000--${label.toUpperCase()}.PREVIEW.localhost`, base)).toEqual({ port: 8000, label });
    for (const host of [
      `70000--${label}.preview.localhost`,
      `0--${label}.preview.localhost`,
      `08000--${label}.preview.localhost`,
      `8000--${label}x.preview.localhost`,
      `8000--${label}.preview.localhost.evil.com`,
      `8000--${label}.other.localhost`,
      `a.8000--${label}.preview.localhost`,
      "localhost:3100",
      "preview.localhost",
      undefined,
    ])
      expect(parsePreviewHost(host, base), String(host)).toBeUndefined();
  });

  it("claims every host under the preview domain, and no other", () => {
    expect(isPreviewDomain("preview.localhost:3000", base)).toBe(true);
    expect(isPreviewDomain("x.y.preview.localhost", base)).toBe(true);
    expect(isPreviewDomain("localhost:3000", base)).toBe(false);
    expect(isPreviewDomain("evilpreview.localhost", base)).toBe(false);
    expect(isPreviewDomain("127.0.0.1:3000", base)).toBe(false);
  });

  it("takes the port of a Host header", () => {
    expect(hostPort("localhost:3100")).toBe("3100");
    expect(hostPort("[::1]:3100")).toBe("3100");
    expect(hostPort("example.com")).toBe("");
    expect(hostPort(null)).toBe("");
  });
});
