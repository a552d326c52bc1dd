import "server-only";
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { accounts } from "@/server/db/schema";
import type { OidcProvider, VerifiedAccount } from "@/server/auth/oidc/provider";
import type { Caller } from "./caller";
import { moveBrowserSessions } from "./transfer";

/** What the web app shows about signing in: whether it can, and who is signed in. */
export interface AccountView {
  /** The provider's name when sign-in is configured, else null (no sign-in control at all). */
  provider: string | null;
  /** The account this browser is signed into, if any. */
  account: { name: string } | null;
}

/**
 * The owner id of an account: a hash of issuer and subject, so ids of different providers never
 * meet, and a subject (which may be any string) fits in an owner cookie.
 */
export function accountOwner(issuer: string, subject: string): string {
  return `oidc:${createHash("sha256").update(`${issuer}\n${subject}`).digest("base64url")}`;
}

/**
 * Accounts signed in through the OpenID Connect provider. Signing in makes the browser the
 * account's owner (its owner cookie changes); the sessions the browser's own identity owned move to
 * the account at that moment, class copies included, so they follow the account to every browser
 * signed into it. Sessions of another account the browser was signed into stay with that account.
 */
export class AccountService {
  constructor(
    private readonly db: Database,
    /** The provider, when sign-in is configured. */
    readonly provider: OidcProvider | undefined,
  ) {}

  /** Records the sign-in; returns the owner the browser becomes and how many sessions came along. */
  async signIn(browserOwner: string | undefined, account: VerifiedAccount): Promise<{ owner: string; moved: number }> {
    const owner = accountOwner(account.issuer, account.subject);
    const now = new Date();
    await this.db
      .insert(accounts)
      .values({ owner, issuer: account.issuer, subject: account.subject, name: account.name, lastSignInAt: now })
      .onConflictDoUpdate({ target: accounts.owner, set: { name: account.name, lastSignInAt: now } });
    const moved = browserOwner ? await moveBrowserSessions(this.db, browserOwner, owner) : 0;
    return { owner, moved };
  }

  async view(caller: Caller): Promise<AccountView> {
    const provider = this.provider?.name ?? null;
    if (caller.kind !== "browser" || !caller.owner.startsWith("oidc:")) return { provider, account: null };
    const [row] = await this.db.select({ name: accounts.name }).from(accounts).where(eq(accounts.owner, caller.owner));
    return { provider, account: { name: row?.name ?? "your account" } };
  }
}
