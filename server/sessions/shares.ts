import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { shares } from "@/server/db/schema";
import type { Caller, ShareCaller } from "./caller";
import { InvalidRequestError, SessionNotFoundError } from "./errors";
import type { SessionService, SessionView } from "./service";
import { hashShareToken, resolveShare, shareView, type ShareRole, type ShareView } from "./share-links";

/**
 * Share links: unguessable tokens (256 random bits), kept only as hashes, revocable, optionally
 * expiring. Only a session's writers make, list and revoke its links.
 */
export class ShareService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionService,
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
        tokenHash: hashShareToken(token),
        role,
        expiresAt: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
      })
      .returning();
    return { ...shareView(row as typeof shares.$inferSelect), token };
  }

  async list(caller: Caller, sessionId: string): Promise<ShareView[]> {
    await this.sessions.authorize(caller, sessionId, "write");
    return (await this.db.select().from(shares).where(eq(shares.sessionId, sessionId)).orderBy(desc(shares.createdAt))).map(
      shareView,
    );
  }

  async revoke(caller: Caller, sessionId: string, shareId: string): Promise<boolean> {
    await this.sessions.authorize(caller, sessionId, "write");
    const rows = await this.db
      .update(shares)
      .set({ revokedAt: new Date() })
      .where(and(eq(shares.id, shareId), eq(shares.sessionId, sessionId), isNull(shares.revokedAt)))
      .returning();
    return rows.length > 0;
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
