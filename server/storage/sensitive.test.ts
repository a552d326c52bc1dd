import { describe, expect, it } from "vitest";
import { isSensitive } from "./sensitive";

describe("isSensitive", () => {
  it.each([
    ".env",
    "app/.env",
    ".env.local",
    "credentials.json",
    "x/service-account.json",
    ".aws/credentials",
    "home/.ssh/id_rsa",
    ".ssh/id_ed25519.pub",
    ".netrc",
    ".dockercfg",
    "node/.npmrc",
    ".pypirc",
    "secrets.yaml",
    "conf/secrets.json",
    ".git-credentials",
  ])("leaves out %s", (path) => expect(isSensitive(path)).toBe(true));

  it.each([
    "env.ts",
    "README.md",
    "credentials.md",
    "aws/credentials.txt",
    ".ssh/known_hosts",
    "secrets",
    "node_modules/dotenv/lib/main.js",
    ".environment",
  ])("keeps %s", (path) => expect(isSensitive(path)).toBe(false));
});
