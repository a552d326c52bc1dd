import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { shares } from "@/server/db/schema";

export type ShareRole = "view" | "fork" | "class";

export interface ShareView {
  id: string;
  session_id: string;
  role: ShareRole;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  expired: boolean;
}

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

/** Share links: unguessable tokens (256 random bits), kept only as hashes, revocable, optionally expiring. */
export class ShareService {
  constructor(private readonly db: Database) {}

  async create(sessionId: string, role: ShareRole, expiresInSeconds?: number): Promise<ShareView & { token: string }> {
    const token = randomBytes(32).toString("base64url");
    const [row] = await this.db
      .insert(shares)
      .values({
        id: `sh-${randomBytes(6).toString("hex")}`,
        sessionId,
        tokenHash: hash(token),
        role,
        expiresAt: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null,
      })
      .returning();
    return { ...view(row as typeof shares.$inferSelect), token };
  }

  async list(sessionId: string): Promise<ShareView[]> {
    return (await this.db.select().from(shares).where(eq(shares.sessionId, sessionId)).orderBy(desc(shares.createdAt))).map(view);
  }

  async revoke(sessionId: string, shareId: string): Promise<boolean> {
    const rows = await this.db
      .update(shares)
      .set({ revokedAt: new Date() })
      .where(and(eq(shares.id, shareId), eq(shares.sessionId, sessionId), isNull(shares.revokedAt)))
      .returning();
    return rows.length > 0;
  }

  /** Whether the session has a link that works now (embeds need one). */
  async hasActive(sessionId: string, now = new Date()): Promise<boolean> {
    const rows = await this.db
      .select()
      .from(shares)
      .where(and(eq(shares.sessionId, sessionId), isNull(shares.revokedAt)));
    return rows.some((row) => !row.expiresAt || row.expiresAt > now);
  }

  /** The share a token names, if it can be used now. */
  async resolve(token: string, now = new Date()): Promise<ShareView> {
    const [row] = await this.db
      .select()
      .from(shares)
      .where(eq(shares.tokenHash, hash(token)));
    if (!row) throw new ShareUnavailableError("unknown");
    if (row.revokedAt) throw new ShareUnavailableError("revoked");
    if (row.expiresAt && row.expiresAt <= now) throw new ShareUnavailableError("expired");
    return view(row);
  }
}
