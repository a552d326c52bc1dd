import "server-only";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { migrate as migratePostgres } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Config } from "@/server/config";
import * as schema from "./schema";

/** The query API shared by PGlite and PostgreSQL. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: Config["database"]["kind"];
  /** Brings the schema up to date; safe on every start. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const MIGRATIONS = path.join(process.cwd(), "server", "db", "migrations");
const PGLITE_SHARED_BUFFERS = "16MB";

/**
 * Makes a new PGlite database in a short-lived child process: initdb grows the WebAssembly memory
 * of the process that runs it to some 700 MB, which that process never gives back. Once, on the
 * first start; the server then opens the database as on any later start.
 */
function createPglite(dir: string): void {
  if (existsSync(path.join(dir, "PG_VERSION"))) return;
  const script = `import { PGlite } from "@electric-sql/pglite"; const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script, dir], {
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 300_000,
  });
}

/** Opens the configured database: PGlite in the data folder, or PostgreSQL with a pool. */
export function openDatabase(config: Config["database"]): DatabaseHandle {
  if (config.kind === "pglite") {
    mkdirSync(config.dir, { recursive: true });
    createPglite(config.dir);
    // PostgreSQL's default 128 MB of shared buffers would be resident in this process from the
    // start; Sandpit's tables are small, and 16 MB keeps the whole idle server near 250 MB.
    const client = new PGlite(config.dir, { postgresqlconf: `shared_buffers = ${PGLITE_SHARED_BUFFERS}` });
    const db = drizzlePglite(client, { schema });
    const close = (): Promise<void> => client.close();
    return {
      db,
      kind: "pglite",
      migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS }),
      ping: async () => void (await db.execute(sql`select 1`)),
      close,
      [Symbol.asyncDispose]: close,
    };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle connection the database dropped (restart, network cut) is discarded by the pool; the
  // next query opens a new one or fails with a 503 naming the database. Unhandled, it would end the process.
  pool.on("error", () => undefined);
  const db = drizzlePostgres(pool, { schema });
  const close = (): Promise<void> => pool.end();
  return {
    db,
    kind: "postgres",
    migrate: () => migratePostgres(db, { migrationsFolder: MIGRATIONS }),
    ping: async () => void (await db.execute(sql`select 1`)),
    close,
    [Symbol.asyncDispose]: close,
  };
}
