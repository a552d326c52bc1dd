import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { seal, unseal } from "@/server/auth/seal";
import type { Database } from "@/server/db/client";
import { shares } from "@/server/db/schema";
import type { Caller, ShareCaller } from "./caller";
import { InvalidRequestError, SessionNotFoundError } from "./errors";
import type { SessionService, SessionView } from "./service";

/** view: read and fork; fork: the same, meant for forking; class: a private copy per visitor; embed: /embed only. */
export type ShareRole = "view" | "fork" | "class" | "embed";

export interface ShareView {
  id: string;
  session_id: string;
  role: ShareRole;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  expired: boolean;
}

/** A link as its session's writers see it: with its token, when the server can still unseal it. */
export interface OwnedShareView extends ShareView {
  /** Null for links made before tokens were kept sealed (only their hash exists). */
  token: string | null;
}

const SEAL_PURPOSE = "share-links";

/** A share link that cannot be used: unknown, revoked or expired. */
export class ShareUnavailableError extends Error {
  constructor(readonly reason: "unknown" | "revoked" | "expired") {
    super(
      reason === "unknown"
        ? "this share link does not exist"
        : `this share link was ${reason === "revoked" ? "revoked by its owner" : "valid until a date that has passed"}`,
    );
    this.name = "ShareUnavailableError";
  }
}

const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

function view(row: typeof shares.$inferSelect): ShareView {
  return {
    id: row.id,
    session_id: row.sessionId,
    role: row.role,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    expired: row.expiresAt !== null && row.expiresAt <= new Date(),
  };
}

/** The share a token names, if it can be used now; else ShareUnavailableError saying why. */
export async function resolveShare(db: Database, token: string, now = new Date()): Promise<ShareView> {
  const [row] = await db
    .select()
    .from(shares)
    .where(eq(shares.tokenHash, hash(token)));
  if (!row) throw new ShareUnavailableError("unknown");
  if (row.revokedAt) throw new ShareUnavailableError("revoked");
  if (row.expiresAt && row.expiresAt <= now) throw new ShareUnavailableError("expired");
  return view(row);
}

/**
 * Share links: unguessable tokens (256 random bits), kept only as hashes, revocable, optionally
 * expiring. Only a session's writers make, list and revoke its links.
 */
export class ShareService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionService,
    /** The data folder whose secret seals the tokens. */
    private readonly dataDir: string,
  ) {}

  async create(
    caller: Caller,
    sessionId: string,
    role: ShareRole,
    expiresInSeconds?: number,
  ): Promise<ShareView & { token: string }> {
    await this.sessions.authorize(caller, sessionId, "write");
    // A class link makes the session a template: its owner then sees the copies.
    if (role === "class") await this.sessions.update(caller, sessionId, { template: true });
    const token = randomBytes(32).toString("base64url");
    const [row] = await this.db
      .insert(shares)
      .values({
        id: `sh-${randomBytes(6).toString("hex")}`,
        sessionId,
        tokenHash: hash(token),
        tokenSealed: seal(this.dataDir, SEAL_PURPOSE, token),
        role,
        expiresAt: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
      })
      .returning();
    return { ...view(row as typeof shares.$inferSelect), token };
  }

  /** The session's links with their tokens, so the owner can show and copy a link again later. */
  async list(caller: Caller, sessionId: string): Promise<OwnedShareView[]> {
    await this.sessions.authorize(caller, sessionId, "write");
    const rows = await this.db.select().from(shares).where(eq(shares.sessionId, sessionId)).orderBy(desc(shares.createdAt));
    return rows.map((row) => ({
      ...view(row),
      token: row.tokenSealed && !row.revokedAt ? (unseal(this.dataDir, SEAL_PURPOSE, row.tokenSealed) ?? null) : null,
    }));
  }

  async revoke(caller: Caller, sessionId: string, shareId: string): Promise<boolean> {
    await this.sessions.authorize(caller, sessionId, "write");
    const rows = await this.db
      .update(shares)
      // A revoked link is never shown again, so its sealed token goes too.
      .set({ revokedAt: new Date(), tokenSealed: null })
      .where(and(eq(shares.id, shareId), eq(shares.sessionId, sessionId), isNull(shares.revokedAt)))
      .returning();
    return rows.length > 0;
  }

  /**
   * The visitor's own copy of a class link's session, whatever the link's state: a student whose
   * class link was revoked or expired still finds the copy they made. Null for anyone without one.
   */
  async ownClassCopy(caller: ShareCaller): Promise<{ session_id: string } | null> {
    const [row] = await this.db
      .select()
      .from(shares)
      .where(eq(shares.tokenHash, hash(caller.token)));
    if (row?.role !== "class") return null;
    const copy = await this.sessions.classCopyOf(caller.visitor, row.sessionId);
    return copy ? { session_id: copy } : null;
  }

  /** What a share link opens (not embed links: they open only /embed); `mine` when the visitor owns it. */
  async open(caller: ShareCaller, now = new Date()): Promise<{ share: ShareView; session: SessionView; mine: boolean }> {
    const share = await resolveShare(this.db, caller.token, now);
    if (share.role === "embed") throw new InvalidRequestError(`this is an embed link: it opens at /embed/${caller.token}`);
    const session = await this.sessions.get(caller, share.session_id);
    const mine = await this.sessions.permissions(caller.visitor, share.session_id).then(
      (allowed) => allowed.write,
      (error: unknown) => {
        if (error instanceof SessionNotFoundError) return false;
        throw error;
      },
    );
    return { share, session, mine };
  }
}
