import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isMountPoint } from "./store";

describe("isMountPoint", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mount-point-"));

  it("says a missing folder or a plain folder is not a mount point", () => {
    expect(isMountPoint(path.join(dir, "missing"))).toBe(false);
    expect(isMountPoint(dir)).toBe(false);
  });

  it("passes on a failure other than a missing folder instead of answering no", () => {
    const file = path.join(dir, "file");
    writeFileSync(file, "");
    expect(() => isMountPoint(path.join(file, "below"))).toThrow(/ENOTDIR/);
  });
});
