/**
 * Who is asking. Every transport (REST, tRPC, MCP, pages) builds one per request and passes it to
 * the session services, which decide access themselves; a transport never checks a session.
 */
export type Identity =
  /** A browser with its signed owner cookie: its own identity (`browser:…`) or the account signed in there (`oidc:…`). */
  | { readonly kind: "browser"; readonly owner: string; readonly address?: string }
  /** A program with an API key (`key:…`). */
  | { readonly kind: "key"; readonly owner: string; readonly keyId: string; readonly address?: string }
  /** Nobody in particular: reaches only sessions without an owner (an open server's API sessions). */
  | { readonly kind: "anonymous"; readonly address?: string };

/** A share link's token presented by a visitor; it adds the link's rights to the visitor's own. */
export interface ShareCaller {
  readonly kind: "share";
  readonly token: string;
  readonly visitor: Identity;
  readonly address?: string;
}

/** The server itself (clean-up, throwaway copies): never built from a request. */
export interface SystemCaller {
  readonly kind: "system";
}

export type Caller = Identity | ShareCaller | SystemCaller;

export type AccessMode = "read" | "write" | "run";

export const SYSTEM: SystemCaller = { kind: "system" };

export function anonymousCaller(address?: string): Identity {
  return { kind: "anonymous", address };
}

/** A browser's caller from the owner id ownerFromCookie returns (`browser:…`, or `oidc:…` when signed in). */
export function browserCaller(owner: string, address?: string): Identity {
  if (!owner.startsWith("browser:") && !owner.startsWith("oidc:")) throw new Error(`not a browser owner id: ${owner}`);
  return { kind: "browser", owner, address };
}

export function keyCaller(keyId: string, address?: string): Identity {
  return { kind: "key", owner: `key:${keyId}`, keyId, address };
}

/** The caller an owner id (`browser:…`, `oidc:…`, `key:…`) or none stands for, as the REST authorizer returns them. */
export function callerFromOwner(owner: string | undefined, address?: string): Identity {
  if (!owner) return anonymousCaller(address);
  if (owner.startsWith("key:")) return keyCaller(owner.slice(4), address);
  return browserCaller(owner, address);
}

export function shareCaller(token: string, visitor: Identity): ShareCaller {
  return { kind: "share", token, visitor, address: visitor.address };
}

/** The identity a caller acts as: what owns the sessions it creates. */
export function identityOf(caller: Caller): Identity | SystemCaller {
  return caller.kind === "share" ? caller.visitor : caller;
}

/** The owner id sessions this caller creates get; none for anonymous callers and the server. */
export function ownerOf(caller: Caller): string | undefined {
  const identity = identityOf(caller);
  return identity.kind === "browser" || identity.kind === "key" ? identity.owner : undefined;
}

/** The client address a request came from, for per-client limits (the first x-forwarded-for hop). */
export function requestAddress(headers: Headers): string | undefined {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || undefined;
}
