import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMEOUT_MESSAGES } from "@/lib/limits";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { loadConfig } from "@/server/config";
import { createMcpServer } from "@/server/mcp/server";
import { handleRest } from "@/server/rest/router";
import { createServices, type Services } from "@/server/services";
import { removeDataDir } from "@/test/cleanup";
import { testDatabases } from "@/test/databases";
import { testServices } from "@/test/services";
import { anonymousCaller, shareCaller, SYSTEM } from "./caller";

/** The services of one server process on `dataDir`, configured with `env`, its schema migrated. */
async function openServices(dataDir: string, env: Record<string, string>): Promise<Services> {
  const services = createServices(
    loadConfig({ ...process.env, SANDPIT_DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", ...env }),
  );
  await services.database.migrate();
  return services;
}

/** Stops a process's services the way a shutdown does: the data (and sessions) stay. */
async function closeServices(services: Services): Promise<void> {
  services.setups.close();
  await services.sandboxes.close();
  await services.database.close();
}

// Two seconds of sleep: past a 1 s limit, well within a 10 s one.
const SLEEP = "sleep 2; echo done";
const visitor = (token: string) => shareCaller(token, anonymousCaller("198.51.100.7"));

describe.each(testDatabases())("the configured run timeout on $name", (database) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "sandpit-timeouts-"));
  let env: Record<string, string>;
  let before: Services | undefined;
  let after: Services | undefined;
  let embedToken = "";

  beforeAll(async () => {
    env = await database.env();
    // The first process: a 10 s default. One session chooses 10 s, the others choose nothing.
    before = await openServices(dataDir, { ...env, SANDPIT_RUN_TIMEOUT: "10s" });
    const owner = anonymousCaller();
    expect(await before.sessions.create(owner, { language: "bash", session_id: "to-follows" })).toMatchObject({
      default_timeout: 10,
      default_timeout_source: "server",
    });
    expect(await before.sessions.create(owner, { language: "bash", session_id: "to-chose", default_timeout: 10 })).toMatchObject({
      default_timeout: 10,
      default_timeout_source: "session",
    });
    await before.sessions.create(owner, { language: "bash", session_id: "to-embedded" });
    embedToken = (await before.shares.create(owner, "to-embedded", "embed")).token;
  });

  afterAll(async () => {
    for (const services of [before, after]) {
      if (!services) continue;
      if (services === after)
        for (const session of await services.sessions.list(SYSTEM, { limit: 200 }))
          await services.sessions.delete(SYSTEM, session.id).catch(() => undefined);
      await closeServices(services).catch(() => undefined);
    }
    await removeDataDir(dataDir);
    await database.cleanup();
  });

  it("execute and embeds take the configured default (10 s here)", async () => {
    if (!before) throw new Error("no services");
    const executed = await before.actions.execute({ language: "bash", code: SLEEP });
    expect(executed).toMatchObject({ timed_out: false, stdout: "done\n" });
    const embedded = await before.embeds.run(visitor(embedToken), SLEEP);
    expect(embedded).toMatchObject({ timed_out: false, stdout: "done\n" });
  });

  describe("after a restart with SANDPIT_RUN_TIMEOUT=1s", () => {
    beforeAll(async () => {
      if (before) await closeServices(before);
      before = undefined;
      after = await openServices(dataDir, { ...env, SANDPIT_RUN_TIMEOUT: "1s" });
    });

    it("a session that chose nothing follows the new default; one that chose keeps its choice", async () => {
      if (!after) throw new Error("no services");
      expect(await after.sessions.get(SYSTEM, "to-follows")).toMatchObject({
        default_timeout: 1,
        default_timeout_source: "server",
      });
      expect(await after.sessions.get(SYSTEM, "to-chose")).toMatchObject({
        default_timeout: 10,
        default_timeout_source: "session",
      });
      const follows = await after.actions.run(SYSTEM, "to-follows", { code: SLEEP });
      expect(follows).toMatchObject({ timed_out: true, exit_code: 124 });
      const chose = await after.actions.run(SYSTEM, "to-chose", { code: SLEEP });
      expect(chose).toMatchObject({ timed_out: false, stdout: "done\n" });
      // Shell commands resolve the same way.
      expect(await after.actions.exec(SYSTEM, "to-follows", { command: SLEEP })).toMatchObject({ timed_out: true });
      expect(await after.actions.exec(SYSTEM, "to-chose", { command: SLEEP })).toMatchObject({ timed_out: false });
    });

    it("a fork keeps its source's choice, and null hands a session back to the configured default", async () => {
      if (!after) throw new Error("no services");
      expect(await after.sessions.fork(SYSTEM, "to-chose", { id: "to-chose-fork" })).toMatchObject({
        default_timeout: 10,
        default_timeout_source: "session",
      });
      expect(await after.sessions.update(SYSTEM, "to-chose-fork", { default_timeout: null })).toMatchObject({
        default_timeout: 1,
        default_timeout_source: "server",
      });
    });

    it("execute and embeds follow the new default", async () => {
      if (!after) throw new Error("no services");
      expect(await after.actions.execute({ language: "bash", code: SLEEP })).toMatchObject({ timed_out: true });
      expect(await after.embeds.run(visitor(embedToken), SLEEP)).toMatchObject({ timed_out: true });
    });
  });
});

describe("an over-limit timeout", () => {
  let services: Services & AsyncDisposable;
  let mcp: Client;

  beforeAll(async () => {
    services = await testServices();
    await services.sessions.create(anonymousCaller(), { language: "bash", session_id: "to-bounds" });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(services, anonymousCaller()).connect(serverSide);
    mcp = new Client({ name: "timeouts-test", version: "1.0.0" });
    await mcp.connect(clientSide);
  });
  afterAll(async () => {
    await mcp.close();
    await services[Symbol.asyncDispose]();
  });

  async function rest(method: string, url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await handleRest(
      new Request(`http://127.0.0.1${url}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
      services,
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function trpcRefusal(call: Promise<unknown>): Promise<{ status: number; messages: string[] }> {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(error)}`);
    const issues = (error.cause as { issues?: Array<{ message: string }> } | undefined)?.issues ?? [];
    return { status: getHTTPStatusCodeFromError(error), messages: issues.map((issue) => issue.message) };
  }

  it("is refused with the same 400 and message through REST, for runs, commands, execute and session defaults", async () => {
    const calls: Array<[string, string, Record<string, unknown>, string]> = [
      ["POST", "/api/sessions/to-bounds/run", { code: "echo hi", timeout: 3601 }, "timeout"],
      ["POST", "/api/sessions/to-bounds/exec", { command: "echo hi", timeout: 3601 }, "timeout"],
      ["POST", "/api/execute", { language: "bash", code: "echo hi", timeout: 3601 }, "timeout"],
      ["PATCH", "/api/sessions/to-bounds", { default_timeout: 3601 }, "default_timeout"],
      ["POST", "/api/sessions", { language: "bash", default_timeout: 3601 }, "default_timeout"],
    ];
    for (const [method, url, body, field] of calls) {
      expect(await rest(method, url, body), `${method} ${url}`).toMatchObject({
        status: 400,
        body: { error: "invalid_request", details: [`${field}: ${TIMEOUT_MESSAGES.max}`] },
      });
    }
    // Within the bound the same calls go through.
    expect((await rest("POST", "/api/sessions/to-bounds/run", { code: "echo hi", timeout: 3600 })).status).toBe(200);
    expect((await rest("PATCH", "/api/sessions/to-bounds", { default_timeout: 3600 })).body).toMatchObject({
      default_timeout: 3600,
      default_timeout_source: "session",
    });
  });

  it("is refused with the same 400 and message through tRPC", async () => {
    const api = createCaller(createContextInner(services));
    const refusals = [
      await trpcRefusal(api.runs.run({ id: "to-bounds", run: { code: "echo hi", timeout: 3601 } })),
      await trpcRefusal(api.shells.exec({ id: "to-bounds", exec: { command: "echo hi", timeout: 3601 } })),
      await trpcRefusal(api.sessions.update({ id: "to-bounds", patch: { default_timeout: 3601 } })),
    ];
    expect(refusals).toEqual(Array(3).fill({ status: 400, messages: [TIMEOUT_MESSAGES.max] }));
    expect(await api.runs.run({ id: "to-bounds", run: { code: "echo hi", timeout: 3600 } })).toMatchObject({ stdout: "hi\n" });
  });

  it("is refused through MCP with the same message, and MCP clients are shown the bound", async () => {
    const text = (result: Awaited<ReturnType<Client["callTool"]>>): string =>
      (result.content as Array<{ text: string }>)[0]?.text ?? "";
    for (const [name, args] of [
      ["run_code", { session_id: "to-bounds", code: "echo hi", timeout: 3601 }],
      ["exec_command", { session_id: "to-bounds", command: "echo hi", timeout: 3601 }],
    ] as const) {
      const refused = await mcp.callTool({ name, arguments: args });
      expect(refused.isError, name).toBe(true);
      expect(text(refused), name).toContain(TIMEOUT_MESSAGES.max);
    }
    const allowed = await mcp.callTool({
      name: "run_code",
      arguments: { session_id: "to-bounds", code: "echo hi", timeout: 3600 },
    });
    expect(allowed.isError).toBeFalsy();
    expect(text(allowed)).toContain('"stdout": "hi\\n"');
    const { tools } = await mcp.listTools();
    for (const name of ["run_code", "exec_command"]) {
      const timeout = tools.find((tool) => tool.name === name)?.inputSchema.properties?.timeout;
      expect(timeout, name).toMatchObject({ type: "number", maximum: 3600 });
    }
  });
});
