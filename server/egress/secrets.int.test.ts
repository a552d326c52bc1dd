import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/server/db/client";
import { sessions } from "@/server/db/schema";
import { AgentClient } from "@/server/sandbox/agent/client";
import { sealSecrets } from "./secrets";
import { EgressService } from "./service";
import { SessionEgress } from "./sessions";

// A real (PGlite) database: a secret stored in clear before values were sealed is sealed when read;
// one sealed under another server key is kept, and said to be unreadable.

const config = {
  egress: { port: 3128, bandwidth: 1e7, connections: 4, exempt: [], hosts: {} },
  mirrors: {},
  extraCaBundle: undefined,
  web: { allowedHosts: [] },
};

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
    const service = new EgressService({ config, log: pino({ level: "silent" }) });
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

  it("warns, for the session, of a bound secret sealed with another server key when its sandbox attaches", async () => {
    await using database = openDatabase({ kind: "pglite", dir: path.join(dir, "db-foreign") });
    await database.migrate();
    const elsewhere = mkdtempSync(path.join(tmpdir(), "sandpit-egress-other-key-"));
    const secret = { host: "api.example.com", header: "Authorization", value: "Bearer sk-foreign", https: true };
    const stored = sealSecrets(elsewhere, [secret]);
    rmSync(elsewhere, { recursive: true, force: true });
    await database.db.insert(sessions).values({
      id: "s-foreign",
      language: "python",
      egress: { allow: ["api.example.com"] },
      egressSecrets: stored,
    });
    const lines: Array<{ level: number; msg: string; sessionId?: string; hosts?: string[] }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback): void {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        callback();
      },
    });
    const service = new EgressService({ config, log: pino({ level: "warn" }, sink) });
    const egress = new SessionEgress(database.db, service, dir);
    const input = new PassThrough();
    const agent = new AgentClient({ input, output: new PassThrough(), close: () => input.destroy() });
    await egress.attach("s-foreign", agent);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        sessionId: "s-foreign",
        hosts: ["api.example.com"],
        msg: expect.stringContaining("sealed with another server key") as string,
      }),
    );
    // Read again (the owner changed the policy), the same secrets say it no more.
    await egress.changed("s-foreign");
    expect(lines.filter((line) => line.sessionId === "s-foreign")).toHaveLength(1);
    const [row] = await database.db.select().from(sessions).where(eq(sessions.id, "s-foreign"));
    expect(row?.egressSecrets).toEqual(stored);
    agent.close();
  });
});
