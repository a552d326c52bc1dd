import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  name: "pglite" | "postgres";
  /** Environment for loadConfig: none for PGlite (the default), DATABASE_URL for PostgreSQL. */
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

/**
 * The databases the database tests run against: PGlite always, PostgreSQL when TEST_DATABASE_URL
 * is set (the test command starts one). On CI a missing PostgreSQL is an error, not a skip.
 */
export function testDatabases(): TestDatabase[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI) throw new Error("TEST_DATABASE_URL is not set: the test command starts PostgreSQL and sets it");
  const list: TestDatabase[] = [{ name: "pglite", env: () => Promise.resolve({}), cleanup: () => Promise.resolve() }];
  if (url) {
    const created: string[] = [];
    list.push({
      name: "postgres",
      async env() {
        const name = `sandpit_test_${randomBytes(6).toString("hex")}`;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`CREATE DATABASE ${name}`);
        await client.end();
        created.push(name);
        const target = new URL(url);
        target.pathname = `/${name}`;
        return { DATABASE_URL: target.toString() };
      },
      async cleanup() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    });
  }
  return list;
}

/** A fresh database on TEST_DATABASE_URL's PostgreSQL server, dropped (with its connections) on dispose. */
export async function freshPostgres(): Promise<{ url: string; [Symbol.asyncDispose](): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) throw new Error("TEST_DATABASE_URL is not set: export TEST_DATABASE_URL=$(bash scripts/ensure-postgres.sh)");
  const name = `sandpit_test_${randomBytes(6).toString("hex")}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const target = new URL(server);
  target.pathname = `/${name}`;
  return { url: target.toString(), [Symbol.asyncDispose]: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * PostgreSQL for tests of several nodes (PGlite cannot be shared): the test command starts one and
 * sets TEST_DATABASE_URL. Without it these tests fail saying so, rather than pass unrun.
 */
export function requirePostgres(): TestDatabase {
  const postgres = testDatabases().find((database) => database.name === "postgres");
  if (!postgres)
    throw new Error(
      "these tests need PostgreSQL: export TEST_DATABASE_URL=$(bash scripts/ensure-postgres.sh) (npm test does this)",
    );
  return postgres;
}
