import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/server/db/client";
import { sessions } from "@/server/db/schema";
import { EgressService } from "./service";
import { SessionEgress } from "./sessions";

// A real (PGlite) database: a secret stored in clear before values were sealed is sealed when read.

const dir = mkdtempSync(path.join(tmpdir(), "sandpit-egress-seal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SessionEgress with stored secrets", () => {
  it("seals a secret stored in clear the first time it is read, and only then", async () => {
    await using database = openDatabase({ kind: "pglite", dir: path.join(dir, "db") });
    await database.migrate();
    const value = `Bearer sk-${Math.random().toString(36).slice(2)}`;
    await database.db.insert(sessions).values({
      id: "s-legacy",
      language: "python",
      egress: { allow: ["api.example.com"] },
      egressSecrets: [{ host: "api.example.com", header: "Authorization", value, https: true }],
    });
    const service = new EgressService({
      config: {
        egress: { port: 3128, bandwidth: 1e7, connections: 4, exempt: [], hosts: {} },
        mirrors: {},
        extraCaBundle: undefined,
        web: { allowedHosts: [] },
      },
      log: pino({ level: "silent" }),
    });
    const egress = new SessionEgress(database.db, service, dir);
    await egress.startEnv("s-legacy");
    const [row] = await database.db.select().from(sessions).where(eq(sessions.id, "s-legacy"));
    expect(JSON.stringify(row?.egressSecrets)).not.toContain(value);
    expect(row?.egressSecrets[0]).toMatchObject({ host: "api.example.com", header: "Authorization", https: true });
    expect(row?.egressSecrets[0]?.sealed).toMatch(/^v1\./);
    // Read again, it is the same secret.
    await egress.startEnv("s-legacy");
    const [again] = await database.db.select().from(sessions).where(eq(sessions.id, "s-legacy"));
    expect(again?.egressSecrets).toEqual(row?.egressSecrets);
  });
});
