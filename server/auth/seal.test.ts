import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seal, unseal } from "./seal";

const dirs: string[] = [];
const dataDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), "sandpit-seal-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("seal", () => {
  it("round-trips a secret without storing it in clear", () => {
    const dir = dataDir();
    const sealed = seal(dir, "share-links", "token-123");
    expect(sealed).not.toContain("token-123");
    expect(sealed).not.toContain(Buffer.from("token-123").toString("base64url"));
    expect(unseal(dir, "share-links", sealed)).toBe("token-123");
    expect(seal(dir, "share-links", "token-123")).not.toBe(sealed);
  });

  it("refuses another purpose, another server's secret and a tampered value", () => {
    const dir = dataDir();
    const sealed = seal(dir, "share-links", "token-123");
    expect(unseal(dir, "resume-links", sealed)).toBeUndefined();
    expect(unseal(dataDir(), "share-links", sealed)).toBeUndefined();
    const parts = sealed.split(".");
    const data = Buffer.from(parts[3] ?? "", "base64url");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(unseal(dir, "share-links", [...parts.slice(0, 3), data.toString("base64url")].join("."))).toBeUndefined();
    expect(unseal(dir, "share-links", "garbage")).toBeUndefined();
  });

  it("refuses a value whose authentication tag was cut short", () => {
    // GCM takes tags of 4 to 16 bytes unless told otherwise: a 4-byte tag would be forged in 2^32 tries.
    const dir = dataDir();
    const parts = seal(dir, "preview-ticket", "ticket").split(".");
    const tag = Buffer.from(parts[2] ?? "", "base64url");
    expect(tag.length).toBe(16);
    for (const length of [4, 8, 12, 15]) {
      const cut = [parts[0], parts[1], tag.subarray(0, length).toString("base64url"), parts[3]].join(".");
      expect(unseal(dir, "preview-ticket", cut), `${length}-byte tag`).toBeUndefined();
    }
  });
});
