import "server-only";
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { shares, type EmbedChoice } from "@/server/db/schema";

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
  /** An embed link's file (null: the entry file) and whether visitors may edit the code. */
  embed: EmbedChoice | null;
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

export const hashShareToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export function shareView(row: typeof shares.$inferSelect): ShareView {
  return {
    id: row.id,
    session_id: row.sessionId,
    role: row.role,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    expired: row.expiresAt !== null && row.expiresAt <= new Date(),
    embed: row.role === "embed" ? (row.embed ?? { path: null, editable: true }) : null,
  };
}

/** The share a token names, if it can be used now; else ShareUnavailableError saying why. */
export async function resolveShare(db: Database, token: string, now = new Date()): Promise<ShareView> {
  const [row] = await db
    .select()
    .from(shares)
    .where(eq(shares.tokenHash, hashShareToken(token)));
  if (!row) throw new ShareUnavailableError("unknown");
  if (row.revokedAt) throw new ShareUnavailableError("revoked");
  if (row.expiresAt && row.expiresAt <= now) throw new ShareUnavailableError("expired");
  return shareView(row);
}
