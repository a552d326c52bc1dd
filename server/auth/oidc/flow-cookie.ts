import "server-only";
import { seal, unseal } from "@/server/auth/seal";
import type { PendingSignIn } from "./provider";

/** The cookie that carries one sign-in from /auth/sign-in to /auth/callback, sealed with the server's key. */
export const FLOW_COOKIE = "sandpit_sign_in";
const SEAL_PURPOSE = "oidc-sign-in";
const FLOW_SECONDS = 600;

export interface SignInFlow extends PendingSignIn {
  /** The same-origin path to return to afterwards. */
  returnTo: string;
  /** When the flow expires, in ms since the epoch: the cookie's Max-Age is only the browser's word. */
  expires: number;
}

const attributes = (secure: boolean): string => `Path=/auth; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;

/**
 * The Set-Cookie header for a new sign-in. SameSite=Lax still sends it on the provider's redirect
 * back (a top-level GET); a callback in a browser that did not start the sign-in (login CSRF) has
 * no cookie, or one with another state, and is refused.
 */
export function flowCookie(dataDir: string, flow: Omit<SignInFlow, "expires">, secure: boolean, now = Date.now()): string {
  const value = seal(dataDir, SEAL_PURPOSE, JSON.stringify({ ...flow, expires: now + FLOW_SECONDS * 1000 }));
  return `${FLOW_COOKIE}=${value}; Max-Age=${FLOW_SECONDS}; ${attributes(secure)}`;
}

export function clearFlowCookie(secure: boolean): string {
  return `${FLOW_COOKIE}=; Max-Age=0; ${attributes(secure)}`;
}

/** The sign-in this browser started, if its cookie is ours, intact and not expired. */
export function readFlowCookie(cookieHeader: string | null, dataDir: string, now = Date.now()): SignInFlow | undefined {
  const raw = cookieHeader
    ?.split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${FLOW_COOKIE}=`))
    ?.slice(FLOW_COOKIE.length + 1);
  const text = raw ? unseal(dataDir, SEAL_PURPOSE, raw) : undefined;
  if (!text) return undefined;
  const flow = JSON.parse(text) as SignInFlow;
  return flow.expires > now ? flow : undefined;
}

/** A same-origin path: one slash first, no backslash, no control characters, at most 2 KiB. */
const isLocalPath = (text: string): boolean =>
  text.length <= 2048 && text.startsWith("/") && !text.startsWith("//") && !/[\\\u0000-\u001f\u007f]/.test(text);

/**
 * A path on this Sandpit to go back to after signing in or out, or "/" for anything else: only a
 * relative path (one slash, no backslash, no scheme) stays on this origin, so a crafted link cannot
 * use the sign-in to send someone elsewhere (`//evil.example`, `/\evil.example`, `https://…`). The
 * check applies to the path as normalized too: dot segments can make `//` of it (`/.//evil.example`).
 */
export function safeReturnPath(text: string | null | undefined): string {
  if (!text || !isLocalPath(text)) return "/";
  const base = "http://sandpit.invalid";
  const url = new URL(text, base);
  const normalized = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === base && isLocalPath(normalized) ? normalized : "/";
}
