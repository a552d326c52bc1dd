import "server-only";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The local administration token: a random secret in the data folder (mode 600), readable only
 * by whoever runs Sandpit there. The key commands use it to talk to a running server.
 */
export function adminToken(dataDir: string): string {
  const file = path.join(dataDir, "admin-token");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  }
  return readFileSync(file, "utf8").trim();
}

export function isAdmin(request: Request, dataDir: string): boolean {
  const given = Buffer.from(request.headers.get("x-sandpit-admin-token") ?? "");
  const expected = Buffer.from(adminToken(dataDir));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
