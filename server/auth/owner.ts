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

const SUBJECT = /^[A-Za-z0-9_-]{16,64}$/;

/** The owners a cookie carries: a browser's own identity (`browser:…`) or a signed-in account (`oidc:…`). */
type OwnerKind = "browser" | "oidc";

/**
 * What the MAC covers: a browser's bare subject (as browser cookies were always signed), an
 * account's subject with its kind, so that no browser cookie's MAC ever stands for an account.
 */
const signed = (kind: OwnerKind, subject: string): string => (kind === "browser" ? subject : `${kind}:${subject}`);

/** `subject.mac` for a browser, `oidc.subject.mac` for an account. */
function parseValue(raw: string): { kind: OwnerKind; subject: string; mac: string } | undefined {
  const parts = raw.split(".");
  const [kind, subject, mac]: (string | undefined)[] = parts.length === 2 ? ["browser", ...parts] : parts;
  if (parts.length > 3 || (parts.length === 3 && kind !== "oidc")) return undefined;
  // base64url only: anything needing a % escape is not ours (and may not decode).
  if (!subject || !mac || !SUBJECT.test(subject)) return undefined;
  return { kind: kind as OwnerKind, subject, mac };
}

/** The owner a request's cookie stands for (`browser:…` or `oidc:…`), if the cookie is validly signed. */
export function ownerFromCookie(cookieHeader: string | null, dataDir: string): string | undefined {
  const raw = cookieHeader
    ?.split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${OWNER_COOKIE}=`))
    ?.slice(OWNER_COOKIE.length + 1);
  const value = raw ? parseValue(raw) : undefined;
  if (!value) return undefined;
  const expected = Buffer.from(sign(signed(value.kind, value.subject), dataDir));
  const given = Buffer.from(value.mac);
  return given.length === expected.length && timingSafeEqual(given, expected) ? `${value.kind}:${value.subject}` : undefined;
}

/** A new browser identity and the Set-Cookie header that gives it to the browser. */
export function newOwnerCookie(dataDir: string, secure: boolean): { owner: string; header: string } {
  return ownerCookie(`browser:${randomBytes(18).toString("base64url")}`, dataDir, secure);
}

/**
 * The Set-Cookie header that makes a browser this owner: a browser id (`browser:…`, e.g. when it
 * resumes on another device) or an account (`oidc:…`, after sign-in).
 */
export function ownerCookie(owner: string, dataDir: string, secure: boolean): { owner: string; header: string } {
  const [kind, subject] = owner.split(/:(.*)/s);
  if ((kind !== "browser" && kind !== "oidc") || !subject || !SUBJECT.test(subject))
    throw new Error(`not a browser or account owner id: ${owner}`);
  const mac = sign(signed(kind, subject), dataDir);
  const value = kind === "browser" ? `${subject}.${mac}` : `${kind}.${subject}.${mac}`;
  return {
    owner,
    header: `${OWNER_COOKIE}=${value}; Path=/; Max-Age=${YEAR_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
  };
}
