import { readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@/test/server";
import { eventually } from "@/test/wait";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

const admin = (): Record<string, string> => ({
  "x-sandpit-admin-token": readFileSync(path.join(server.dataDir, "admin-token"), "utf8").trim(),
  "content-type": "application/json",
});

describe("MCP", () => {
  it("lists the tools and runs Python through them", async () => {
    const client = new Client({ name: "sandpit-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/api/mcp`)));
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      "create_session",
      "edit_setup",
      "exec_command",
      "get_session",
      "list_files",
      "publish_template_update",
      "read_file",
      "run_checks",
      "run_code",
      "set_egress",
      "write_file",
    ]);

    const created = await client.callTool({ name: "create_session", arguments: { language: "python", session_id: "mcp-one" } });
    expect(created.isError).toBeFalsy();
    await client.callTool({
      name: "write_file",
      arguments: { session_id: "mcp-one", path: "lib.py", content: "def double(x):\n    return 2 * x\n" },
    });
    const ran = await client.callTool({
      name: "run_code",
      arguments: { session_id: "mcp-one", code: "from lib import double\nprint(double(21))" },
    });
    const text = (ran.content as Array<{ text: string }>)[0]?.text ?? "";
    expect(JSON.parse(text)).toMatchObject({ stdout: "42\n", exit_code: 0 });
    const listed = await client.callTool({ name: "list_files", arguments: { session_id: "mcp-one" } });
    expect((listed.content as Array<{ text: string }>)[0]?.text).toContain("lib.py");
    const shell = await client.callTool({
      name: "exec_command",
      arguments: { session_id: "mcp-one", command: "cat lib.py | wc -l" },
    });
    expect(JSON.parse((shell.content as Array<{ text: string }>)[0]?.text ?? "{}")).toMatchObject({ stdout: "2\n" });
    const missing = await client.callTool({ name: "get_session", arguments: { session_id: "nope" } });
    expect(missing.isError).toBe(true);
    expect((missing.content as Array<{ text: string }>)[0]?.text).toBe("not_found: session nope does not exist");
    await client.close();
  });
});

describe("API keys", () => {
  it("are needed once one exists, are rate limited with Retry-After, and stop working when revoked", async () => {
    expect((await fetch(`${server.url}/api/sessions`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/admin/keys`)).status).toBe(403);
    const created = await fetch(`${server.url}/api/admin/keys`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({ name: "ci", rate_limit: 3 }),
    });
    expect(created.status).toBe(201);
    const { key, id, prefix } = (await created.json()) as { key: string; id: string; prefix: string };
    expect(key).toMatch(/^sp_/);
    expect(key.startsWith(prefix)).toBe(true);

    const anonymous = await fetch(`${server.url}/api/sessions`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "unauthorized" });
    expect((await fetch(`${server.url}/api/sessions`, { headers: { authorization: "Bearer sp_wrong" } })).status).toBe(401);
    const mcpAnonymous = await fetch(`${server.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcpAnonymous.status).toBe(401);

    const auth = { authorization: `Bearer ${key}` };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${server.url}/api/sessions`, { headers: auth });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get("retry-after");
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    // Keys own what they create: a caller with another key cannot see or change it.
    const second = (await (
      await fetch(`${server.url}/api/admin/keys`, {
        method: "POST",
        headers: admin(),
        body: JSON.stringify({ name: "other", rate_limit: 100 }),
      })
    ).json()) as { key: string; id: string };
    const other = { authorization: `Bearer ${second.key}`, "content-type": "application/json" };
    const made = await fetch(`${server.url}/api/sessions`, {
      method: "POST",
      headers: other,
      body: JSON.stringify({ language: "bash", session_id: "owned-by-other" }),
    });
    expect(made.status).toBe(201);
    // The first key (3 a minute) is out of tokens: asked again until it gets one back (a refused
    // request takes none), it is told the other key's session does not exist.
    const status = await eventually("the first key's next token", async () => {
      const answer = (await fetch(`${server.url}/api/sessions/owned-by-other`, { headers: auth })).status;
      return answer === 429 ? undefined : answer;
    });
    expect(status).toBe(404);
    expect((await fetch(`${server.url}/api/sessions/owned-by-other`, { headers: other })).status).toBe(200);
    await fetch(`${server.url}/api/admin/keys/${second.id}`, { method: "DELETE", headers: admin() });

    const keys = (await (await fetch(`${server.url}/api/admin/keys`, { headers: admin() })).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(JSON.stringify(keys)).not.toContain(key);
    expect((await fetch(`${server.url}/api/admin/keys/${id}`, { method: "DELETE", headers: admin() })).status).toBe(200);
    expect((await fetch(`${server.url}/api/sessions`, { headers: auth })).status).toBe(200); // no key left: open again
    expect((await fetch(`${server.url}/api/openapi.json`)).status).toBe(200);
  });
});
