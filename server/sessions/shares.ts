import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { seal, unseal } from "@/server/auth/seal";
import type { Database } from "@/server/db/client";
import { shares } from "@/server/db/schema";
import type { Caller, ShareCaller } from "./caller";
import { InvalidRequestError, SessionNotFoundError } from "./errors";
import type { SessionService, SessionView } from "./service";
import { hashShareToken, resolveShare, shareView, type ShareRole, type ShareView } from "./share-links";

/** A link as its session's writers see it: with its token, when the server can still unseal it. */
export interface OwnedShareView extends ShareView {
  /** Null for links made before tokens were kept sealed (only their hash exists). */
  token: string | null;
}

const SEAL_PURPOSE = "share-links";

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
    /** Checks that a file may be shown by an embed (EmbedService.fileFor); refuses with what to fix. */
    private readonly checkEmbedFile?: (sessionId: string, path: string) => Promise<unknown>,
  ) {}

  async create(
    caller: Caller,
    sessionId: string,
    role: ShareRole,
    expiresInSeconds?: number,
    embed?: { path?: string; editable?: boolean },
  ): Promise<ShareView & { token: string }> {
    await this.sessions.authorize(caller, sessionId, "write");
    if (embed && role !== "embed") throw new InvalidRequestError("embed choices (path, editable) are for embed links only");
    // The file is checked now, so the author learns of a typo here rather than from a reader.
    const choice = role === "embed" ? { path: embed?.path ?? null, editable: embed?.editable ?? true } : null;
    if (choice?.path) await this.checkEmbedFile?.(sessionId, choice.path);
    // A class link makes the session a template: its owner then sees the copies.
    if (role === "class") await this.sessions.update(caller, sessionId, { template: true });
    const token = randomBytes(32).toString("base64url");
    const [row] = await this.db
      .insert(shares)
      .values({
        id: `sh-${randomBytes(6).toString("hex")}`,
        sessionId,
        tokenHash: hashShareToken(token),
        tokenSealed: seal(this.dataDir, SEAL_PURPOSE, token),
        role,
        embed: choice,
        expiresAt: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
      })
      .returning();
    return { ...shareView(row as typeof shares.$inferSelect), token };
  }

  /** The session's links with their tokens, so the owner can show and copy a link again later. */
  async list(caller: Caller, sessionId: string): Promise<OwnedShareView[]> {
    await this.sessions.authorize(caller, sessionId, "write");
    const rows = await this.db.select().from(shares).where(eq(shares.sessionId, sessionId)).orderBy(desc(shares.createdAt));
    return rows.map((row) => ({
      ...shareView(row),
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
      .where(eq(shares.tokenHash, hashShareToken(caller.token)));
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
