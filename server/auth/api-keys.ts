import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, or } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { apiKeys } from "@/server/db/schema";

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  rate_limit: number;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function info(row: typeof apiKeys.$inferSelect): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    rate_limit: row.rateLimit,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

const ACTIVE_CACHE_MS = 2_000;

/** API keys, stored as SHA-256 hashes; the key itself is shown once, when it is created. */
export class ApiKeyService {
  private activeCache: { value: boolean; at: number } | undefined;

  constructor(private readonly db: Database) {}

  async create(name: string, rateLimit: number): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = `sp_${randomBytes(24).toString("base64url")}`;
    const [row] = await this.db
      .insert(apiKeys)
      .values({ id: `k-${randomBytes(6).toString("hex")}`, name, keyHash: hashKey(key), prefix: key.slice(0, 10), rateLimit })
      .returning();
    this.activeCache = undefined;
    return { key, info: info(row as typeof apiKeys.$inferSelect) };
  }

  async revoke(idOrPrefix: string): Promise<ApiKeyInfo | undefined> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(or(eq(apiKeys.id, idOrPrefix), eq(apiKeys.prefix, idOrPrefix)), isNull(apiKeys.revokedAt)))
      .returning();
    this.activeCache = undefined;
    return row ? info(row) : undefined;
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await this.db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt))).map(info);
  }

  /** Whether any key is active: then every API request needs one. */
  async required(): Promise<boolean> {
    if (this.activeCache && Date.now() - this.activeCache.at < ACTIVE_CACHE_MS) return this.activeCache.value;
    const [row] = await this.db.select({ id: apiKeys.id }).from(apiKeys).where(isNull(apiKeys.revokedAt)).limit(1);
    this.activeCache = { value: row !== undefined, at: Date.now() };
    return this.activeCache.value;
  }

  /** Whether the key with this id exists and is not revoked. */
  async isActive(id: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    return row !== undefined;
  }

  /** The active key a bearer token names, if any. */
  async authenticate(token: string): Promise<typeof apiKeys.$inferSelect | undefined> {
    const [row] = await this.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hashKey(token)), isNull(apiKeys.revokedAt)));
    if (row)
      void this.db
        .update(apiKeys)
        .set({ lastUsedAt: new Date() })
        .where(eq(apiKeys.id, row.id))
        .catch(() => undefined);
    return row;
  }
}
