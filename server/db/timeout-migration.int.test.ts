import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { migrate as migratePostgres } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import type { Config } from "@/server/config";
import { openDatabase } from "./client";

const MIGRATIONS = path.join(process.cwd(), "server", "db", "migrations");
const BEFORE = "0009_session_timeout_choice";

/** A copy of the migrations folder that ends just before `tag`: the schema as an older Sandpit left it. */
function migrationsBefore(tag: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), "sandpit-migrations-"));
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
  const index = journal.entries.findIndex((entry) => entry.tag === tag);
  if (index < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, index);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

/** Sessions as the old schema stored them: the configured default (30 s) copied in, or a choice. */
const OLD_ROWS = sql`INSERT INTO sessions (id, language, default_timeout) VALUES
  ('implicit', 'python', 30), ('chose-7', 'python', 7), ('chose-hour', 'bash', 3600)`;

describe.each(testDatabases())("migration 0009 on $name", (database) => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    await database.cleanup();
  });

  it("turns the copied default into NULL (follow the configuration) and keeps other values as choices", async () => {
    const older = migrationsBefore(BEFORE);
    folders.push(older);
    let config: Config["database"];
    const env = await database.env();
    if (env.DATABASE_URL) {
      config = { kind: "postgres", url: env.DATABASE_URL };
      const pool = new pg.Pool({ connectionString: env.DATABASE_URL });
      const db = drizzlePostgres(pool);
      await migratePostgres(db, { migrationsFolder: older });
      await db.execute(OLD_ROWS);
      await pool.end();
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), "sandpit-pglite-"));
      folders.push(dir);
      config = { kind: "pglite", dir };
      const client = new PGlite(dir);
      const db = drizzlePglite(client);
      await migratePglite(db, { migrationsFolder: older });
      await db.execute(OLD_ROWS);
      await client.close();
    }

    await using handle = openDatabase(config);
    await handle.migrate();
    const rows = await handle.db.query.sessions.findMany({ columns: { id: true, defaultTimeout: true } });
    expect(Object.fromEntries(rows.map((row) => [row.id, row.defaultTimeout]))).toEqual({
      implicit: null,
      "chose-7": 7,
      "chose-hour": 3600,
    });
    // The column now holds fractions of a second too, as the API's timeouts do.
    await handle.db.execute(sql`UPDATE sessions SET default_timeout = 2.5 WHERE id = 'chose-7'`);
    expect((await handle.db.query.sessions.findFirst({ where: (s, { eq }) => eq(s.id, "chose-7") }))?.defaultTimeout).toBe(2.5);
  });
});
