// No "server-only" marker here: proxy.ts imports this module, and the proxy is bundled outside the
// React server graph. It still runs on the server only (Node.js runtime).
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const OWNER_COOKIE = "sandpit_owner";
const YEAR_SECONDS = 365 * 86_400;

let secret: { dir: string; value: Buffer } | undefined;

/** The secret that signs owner tokens: random, in the data folder, readable only by its owner. */
function signingSecret(dataDir: string): Buffer {
  if (secret?.dir === dataDir) return secret.value;
  const file = path.join(dataDir, "owner-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch {
      // another request created it first
    }
  }
  const text = readFileSync(file, "utf8").trim();
  // Buffer.from(…, "hex") stops at the first non-hex character: an empty or mangled file would give a short key.
  if (!/^(?:[0-9a-fA-F]{2}){32,}$/.test(text))
    throw new Error(
      `${file} must hold at least 32 bytes as hex (64 hex digits); fix or remove it (removing it signs out every browser)`,
    );
  secret = { dir: dataDir, value: Buffer.from(text, "hex") };
  return secret.value;
}

/** A key for one purpose, derived from the server's secret (so a leak of one purpose's key reveals nothing else). */
export function derivedKey(dataDir: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", signingSecret(dataDir), Buffer.alloc(0), `sandpit:${purpose}`, 32));
}

const sign = (subject: string, dataDir: string): string =>
  createHmac("sha256", signingSecret(dataDir)).update(subject).digest("base64url");

/** The browser identity a request carries, if its cookie is validly signed. */
export function ownerFromCookie(cookieHeader: string | null, dataDir: string): string | undefined {
  const raw = cookieHeader
    ?.split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${OWNER_COOKIE}=`))
    ?.slice(OWNER_COOKIE.length + 1);
  if (!raw) return undefined;
  // The value is base64url and a dot: anything needing a % escape is not ours (and may not decode).
  const [subject, mac] = raw.split(".");
  if (!subject || !mac || !/^[A-Za-z0-9_-]{16,64}$/.test(subject)) return undefined;
  const expected = Buffer.from(sign(subject, dataDir));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected) ? `browser:${subject}` : undefined;
}

/** A new browser identity and the Set-Cookie header that gives it to the browser. */
export function newOwnerCookie(dataDir: string, secure: boolean): { owner: string; header: string } {
  return ownerCookie(`browser:${randomBytes(18).toString("base64url")}`, dataDir, secure);
}

/** The Set-Cookie header that makes a browser this owner (`browser:…`), e.g. when it resumes on another device. */
export function ownerCookie(owner: string, dataDir: string, secure: boolean): { owner: string; header: string } {
  const subject = owner.replace(/^browser:/, "");
  if (subject === owner || !/^[A-Za-z0-9_-]{16,64}$/.test(subject)) throw new Error("not a browser owner id");
  const value = `${subject}.${sign(subject, dataDir)}`;
  return {
    owner,
    header: `${OWNER_COOKIE}=${value}; Path=/; Max-Age=${YEAR_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
  };
}
