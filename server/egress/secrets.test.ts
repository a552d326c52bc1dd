import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UNREADABLE_SECRET_PROBLEM } from "@/lib/egress";
import { openSecrets, sealLegacy, sealSecrets, secretViews } from "./secrets";

const dirs: string[] = [];
const dataDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), "sandpit-egress-secrets-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const secret = { host: "api.example.com", header: "Authorization", value: "Bearer sk-live-123", https: true };

describe("egress secrets at rest", () => {
  it("stores no value in clear, and gives it back to the server that sealed it", () => {
    const dir = dataDir();
    const stored = sealSecrets(dir, [secret]);
    expect(JSON.stringify(stored)).not.toContain("sk-live-123");
    expect(stored[0]).toMatchObject({ host: "api.example.com", header: "Authorization", https: true });
    expect(openSecrets(dir, stored)).toEqual({ secrets: [secret], unreadable: [], legacy: false });
  });

  it("leaves out a value sealed under another server's key, and names its host", () => {
    const stored = sealSecrets(dataDir(), [{ ...secret, host: "API.example.com." }]);
    expect(openSecrets(dataDir(), stored)).toEqual({ secrets: [], unreadable: ["api.example.com"], legacy: false });
  });

  it("shows its owner which secrets no longer unseal, and never a value", () => {
    const dir = dataDir();
    const [mine] = sealSecrets(dir, [secret]);
    const [foreign] = sealSecrets(dataDir(), [{ ...secret, host: "other.example.com" }]);
    const views = secretViews(dir, [mine!, foreign!]);
    expect(views).toEqual([
      { host: "api.example.com", header: "Authorization", https: true, unreadable: false, problem: null },
      { host: "other.example.com", header: "Authorization", https: true, unreadable: true, problem: UNREADABLE_SECRET_PROBLEM },
    ]);
    expect(JSON.stringify(views)).not.toContain("sk-live-123");
  });

  it("reads a value stored in clear before sealing, and says it needs sealing", () => {
    const { host, header, value, https } = secret;
    expect(openSecrets(dataDir(), [{ host, header, value, https }])).toEqual({
      secrets: [secret],
      unreadable: [],
      legacy: true,
    });
  });

  it("seals values kept in clear without losing one sealed under a key that no longer opens it", () => {
    const dir = dataDir();
    const [unreadable] = sealSecrets(dataDir(), [secret]);
    const { header, https } = secret;
    const records = [unreadable!, { host: "other.example.com", header, https, value: "Bearer legacy" }];
    const rewritten = sealLegacy(dir, records);
    expect(rewritten[0]).toEqual(unreadable);
    expect(JSON.stringify(rewritten)).not.toContain("Bearer legacy");
    expect(openSecrets(dir, rewritten)).toEqual({
      secrets: [{ host: "other.example.com", header, https, value: "Bearer legacy" }],
      unreadable: ["api.example.com"],
      legacy: false,
    });
  });
});
