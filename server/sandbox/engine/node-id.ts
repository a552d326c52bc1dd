import "server-only";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The id of the Sandpit process that owns a data folder, kept in the folder so that it survives
 * restarts. Containers carry it, so that several Sandpit processes on one Docker engine each
 * reconcile only their own.
 */
export function nodeId(dataDir: string): string {
  const file = path.join(dataDir, "node-id");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (/^n-[0-9a-f]{12}$/.test(id)) return id;
  } catch {
    // no id yet: this data folder is new
  }
  const id = `n-${randomBytes(6).toString("hex")}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
