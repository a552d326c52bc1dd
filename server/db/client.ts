import "server-only";
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { sql } from "drizzle-orm";
import pg from "pg";
import type { Config } from "@/server/config";

export type Database = ReturnType<typeof drizzlePglite> | ReturnType<typeof drizzlePostgres>;

export interface DatabaseHandle {
  db: Database;
  kind: Config["database"]["kind"];
  ping(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens the configured database: PGlite in the data folder, or PostgreSQL with a pool. */
export function openDatabase(config: Config["database"]): DatabaseHandle {
  if (config.kind === "pglite") {
    mkdirSync(config.dir, { recursive: true });
    const client = new PGlite(config.dir);
    const db = drizzlePglite(client);
    const close = () => client.close();
    return { db, kind: "pglite", ping: async () => void (await db.execute(sql`select 1`)), close, [Symbol.asyncDispose]: close };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: 10, connectionTimeoutMillis: 5_000 });
  const db = drizzlePostgres(pool);
  const close = () => pool.end();
  return { db, kind: "postgres", ping: async () => void (await db.execute(sql`select 1`)), close, [Symbol.asyncDispose]: close };
}
