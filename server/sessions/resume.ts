import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { resumeLinks } from "@/server/db/schema";
import type { Caller } from "./caller";
import { InvalidRequestError } from "./errors";
import { moveBrowserSessions } from "./transfer";
import { seal, unseal } from "@/server/auth/seal";

const SEAL_PURPOSE = "resume-links";
const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

export interface ResumeLinkView {
  id: string;
  token: string | null;
  created_at: string;
  last_used_at: string | null;
}

const UNAVAILABLE =
  "this resume link does not exist or was revoked; open Sandpit on the device you used before and make a new one";

/** Only browsers have resume links: a program's API key already works from anywhere. */
function browserOwner(caller: Caller): string {
  if (caller.kind !== "browser")
    throw new InvalidRequestError("resume links belong to browsers; programs use their API key on every machine");
  return caller.owner;
}

/**
 * Resume links carry one browser's sessions (its own and its class copies) to another device: opening
 * the link there, and confirming, makes that browser the same owner. 256 random bits, kept as a hash
 * plus the token sealed with the server's key (so its owner can show it again), one active per owner,
 * revocable.
 */
export class ResumeService {
  constructor(
    private readonly db: Database,
    /** The data folder whose secret seals the tokens. */
    private readonly dataDir: string,
  ) {}

  /** The caller's active resume link, or null when they have none. */
  async current(caller: Caller): Promise<ResumeLinkView | null> {
    const owner = browserOwner(caller);
    const [row] = await this.db
      .select()
      .from(resumeLinks)
      .where(and(eq(resumeLinks.owner, owner), isNull(resumeLinks.revokedAt)));
    return row ? this.view(row) : null;
  }

  /** A new resume link for the caller; the previous one stops working. */
  async create(caller: Caller): Promise<ResumeLinkView> {
    const owner = browserOwner(caller);
    await this.revoke(caller);
    const token = randomBytes(32).toString("base64url");
    const [row] = await this.db
      .insert(resumeLinks)
      .values({
        id: `rl-${randomBytes(6).toString("hex")}`,
        owner,
        tokenHash: hash(token),
        tokenSealed: seal(this.dataDir, SEAL_PURPOSE, token),
      })
      .returning();
    if (!row) throw new Error("the resume link was not stored");
    return this.view(row);
  }

  /** Revokes the caller's resume link (a no-op without one); other devices keep the identity they took. */
  async revoke(caller: Caller): Promise<boolean> {
    const owner = browserOwner(caller);
    const rows = await this.db
      .update(resumeLinks)
      .set({ revokedAt: new Date(), tokenSealed: null })
      .where(and(eq(resumeLinks.owner, owner), isNull(resumeLinks.revokedAt)))
      .returning();
    return rows.length > 0;
  }

  /**
   * The owner a resume link stands for. With `bringSessions`, the sessions the calling browser owns
   * now move to that owner too, so nothing made on this device before is left behind (a signed-in
   * account's sessions stay with the account).
   */
  async use(caller: Caller, token: string, bringSessions: boolean): Promise<{ owner: string; moved: number }> {
    const current = caller.kind === "browser" ? caller.owner : undefined;
    const [row] = await this.db
      .select()
      .from(resumeLinks)
      .where(and(eq(resumeLinks.tokenHash, hash(token)), isNull(resumeLinks.revokedAt)));
    if (!row) throw new InvalidRequestError(UNAVAILABLE);
    await this.db.update(resumeLinks).set({ lastUsedAt: new Date() }).where(eq(resumeLinks.id, row.id));
    if (!bringSessions || !current) return { owner: row.owner, moved: 0 };
    return { owner: row.owner, moved: await moveBrowserSessions(this.db, current, row.owner) };
  }

  private view(row: typeof resumeLinks.$inferSelect): ResumeLinkView {
    return {
      id: row.id,
      token: row.tokenSealed ? (unseal(this.dataDir, SEAL_PURPOSE, row.tokenSealed) ?? null) : null,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    };
  }
}
