import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { derivedKey } from "./owner";

const VERSION = "v1";
const TAG_BYTES = 16;

/**
 * Encrypts a short secret for storage (AES-256-GCM under a key derived from the server's secret),
 * so the database alone never reveals it while the server can still show it to its owner.
 */
export function seal(dataDir: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derivedKey(dataDir, purpose), iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** The secret `seal` stored, or undefined when it was sealed under another key or tampered with. */
export function unseal(dataDir: string, purpose: string, sealed: string): string | undefined {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || data === undefined) return undefined;
  // GCM would take a tag cut to 4 bytes (forged in 2^32 tries): only the whole 16 bytes are.
  const authTag = Buffer.from(tag, "base64url");
  if (authTag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", derivedKey(dataDir, purpose), Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
