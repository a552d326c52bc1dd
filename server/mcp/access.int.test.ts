import { readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@/test/server";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
  // The admin token is made on the first administration request.
  expect((await fetch(`${server.url}/api/admin/keys`)).status).toBe(403);
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

const admin = (): Record<string, string> => ({
  "x-sandpit-admin-token": readFileSync(path.join(server.dataDir, "admin-token"), "utf8").trim(),
  "content-type": "application/json",
});

async function newKey(name: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${server.url}/api/admin/keys`, {
    method: "POST",
    headers: admin(),
    body: JSON.stringify({ name, rate_limit: 1000 }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string };
}

async function mcp(key?: string): Promise<Client> {
  const client = new Client({ name: "mcp-access-test", version: "1.0.0" });
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/api/mcp`), { requestInit: { headers } }));
  return client;
}

const text = (result: Record<string, unknown>): string => (result.content as Array<{ text: string }>)[0]?.text ?? "";

/** Every tool on the session, as `client`: what each answered. */
async function tryEverything(client: Client, sessionId: string): Promise<Array<[string, boolean, string]>> {
  const calls: Array<[string, Record<string, unknown>]> = [
    ["get_session", { session_id: sessionId }],
    ["list_files", { session_id: sessionId }],
    ["read_file", { session_id: sessionId, path: "secret.txt" }],
    ["write_file", { session_id: sessionId, path: "secret.txt", content: "overwritten" }],
    ["run_code", { session_id: sessionId, code: "print(open('secret.txt').read())" }],
    ["exec_command", { session_id: sessionId, command: "cat secret.txt" }],
  ];
  const answers: Array<[string, boolean, string]> = [];
  for (const [name, args] of calls) {
    const result = await client.callTool({ name, arguments: args });
    answers.push([name, result.isError === true, text(result)]);
  }
  return answers;
}

describe("MCP over HTTP", () => {
  it("another key's client and an anonymous client cannot get, read, write or run in a key's session", async () => {
    const alice = await newKey("alice");
    const bob = await newKey("bob");
    const created = await fetch(`${server.url}/api/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.key}`, "content-type": "application/json" },
      body: JSON.stringify({ language: "python", session_id: "mcp-owned" }),
    });
    expect(created.status).toBe(201);
    const written = await fetch(`${server.url}/api/sessions/mcp-owned/files/secret.txt`, {
      method: "PUT",
      headers: { authorization: `Bearer ${alice.key}`, "content-type": "application/octet-stream" },
      body: "alice's secret\n",
    });
    expect(written.status).toBe(200);

    const refused = (name: string): [string, boolean, string] => [name, true, "not_found: session mcp-owned does not exist"];
    const everything = ["get_session", "list_files", "read_file", "write_file", "run_code", "exec_command"].map(refused);
    const asBob = await mcp(bob.key);
    expect(await tryEverything(asBob, "mcp-owned")).toEqual(everything);
    await asBob.close();

    const asAlice = await mcp(alice.key);
    const read = await asAlice.callTool({ name: "read_file", arguments: { session_id: "mcp-owned", path: "secret.txt" } });
    expect(text(read)).toBe("alice's secret\n");
    await asAlice.close();

    // No keys left: the API is open again, and an anonymous client still reaches no key's session.
    for (const key of [alice, bob])
      expect((await fetch(`${server.url}/api/admin/keys/${key.id}`, { method: "DELETE", headers: admin() })).status).toBe(200);
    const anonymous = await mcp();
    expect(await tryEverything(anonymous, "mcp-owned")).toEqual(everything);
    await anonymous.close();
  });
});
