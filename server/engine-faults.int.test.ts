import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { testDatabases } from "@/test/databases";
import { startDockerEngine, stopDockerEngine } from "@/test/docker-engine";
import { faultProxy } from "@/test/fault-proxy";
import { startS3 } from "@/test/s3";
import { startServer } from "@/test/server";
import { eventually, waitFor } from "@/test/wait";

const postgres = testDatabases().find((database) => database.name === "postgres");

/**
 * One server on PostgreSQL and an S3 server, each behind a proxy the test cuts, and on this host's
 * real Docker engine, which the test stops and starts again.
 */
describe.skipIf(!postgres)("Engine faults", () => {
  it("answers 503 naming the part that is down (database, object store, Docker engine) and recovers by itself, losing nothing", async () => {
    await using s3 = await startS3();
    await using storeProxy = await faultProxy(Number(new URL(s3.endpoint).port));
    const databaseEnv = await (postgres as NonNullable<typeof postgres>).env();
    const databaseUrl = new URL(databaseEnv.DATABASE_URL as string);
    await using databaseProxy = await faultProxy(Number(databaseUrl.port), databaseUrl.hostname);
    databaseUrl.host = `127.0.0.1:${databaseProxy.port}`;
    await using server = await startServer({
      DATABASE_URL: databaseUrl.toString(),
      OBJECT_STORE_URL: `s3://sandpit/faults?endpoint=http://127.0.0.1:${storeProxy.port}`,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_REGION: "us-east-1",
      SANDPIT_IDLE_TIMEOUT: "5s",
    });
    const api = restClient(server.url);
    const id = "faults";
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
    const written = await api.call("POST", `/api/sessions/${id}/run`, { code: "open('work.txt', 'w').write('kept')" });
    expect(written.body).toMatchObject({ exit_code: 0 });
    const readBack = async (): Promise<string | undefined> => {
      const answer = await api.call("POST", `/api/sessions/${id}/run`, { code: "print(open('work.txt').read())" });
      return answer.status === 200 ? (answer.body.stdout as string) : undefined;
    };

    // 1. The database goes away.
    await databaseProxy.cut();
    const noDatabase = await api.call("GET", `/api/sessions/${id}`);
    expect(noDatabase.status).toBe(503);
    expect(noDatabase.body).toMatchObject({ error: "database_unavailable" });
    expect(noDatabase.body.message).toContain("the database is unreachable");
    expect(noDatabase.headers.get("retry-after")).toBe("5");
    // The web IDE's calls (tRPC) get the same answer.
    const trpc = await fetch(`${server.url}/api/trpc/sessions.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
    expect(trpc.status).toBe(503);
    expect(await trpc.text()).toContain("the database is unreachable");
    const health = await api.call("GET", "/api/health");
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ checks: { database: { status: "error" }, docker: { status: "ok" } } });
    await databaseProxy.restore();
    expect(await eventually("the database to be used again", readBack)).toBe("kept\n");

    // 2. The object store goes away while the session sleeps in it.
    await waitFor("a snapshot in the object store", async () => (await s3.store("faults").list(`snapshots/${id}/`)).length === 1);
    // Asleep: its files are only in the snapshot now.
    const volume = path.join(server.dataDir, "volumes", `${id}.ext4`);
    await waitFor("the session to be asleep", () => !existsSync(volume));
    await storeProxy.cut();
    const noStore = await api.call("GET", `/api/sessions/${id}/files/work.txt`);
    expect(noStore.status).toBe(503);
    expect(noStore.body).toMatchObject({ error: "object_store_unavailable" });
    expect(noStore.body.message).toContain("the object store is unreachable");
    expect((await api.call("GET", "/api/health")).body).toMatchObject({ checks: { objectStore: { status: "error" } } });
    await storeProxy.restore();
    expect(await eventually("the snapshot to be restored", readBack)).toBe("kept\n");

    // 3. The Docker engine is restarted (its containers stop with it).
    try {
      await stopDockerEngine();
      const noEngine = await api.call("POST", `/api/sessions/${id}/run`, { code: "print(1)" });
      expect(noEngine.status).toBe(503);
      expect(noEngine.body).toMatchObject({ error: "docker_unavailable" });
      expect(noEngine.body.message).toContain("the Docker engine is unreachable");
      const engineHealth = await api.call("GET", "/api/health");
      expect(engineHealth.body).toMatchObject({ checks: { docker: { status: "error" } } });
    } finally {
      await startDockerEngine();
    }
    expect(await eventually("a sandbox on the restarted engine", readBack)).toBe("kept\n");
    expect((await api.call("GET", "/api/health")).status).toBe(200);
    await (postgres as NonNullable<typeof postgres>).cleanup();
  });
});
