import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@/test/server";

// The built server, asked the way a browser (or an attacker's page) would ask it: node:http lets a
// test set Host, Origin, Sec-Fetch-Site and Cookie freely, which fetch does not.

const PUBLIC_NAME = "sandpit.example.test";
let server: RunningServer;
let port: number;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const json = { "content-type": "application/json" };
const self = (): string => `http://127.0.0.1:${port}`;
const mcpList = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const mcpHeaders = { ...json, accept: "application/json, text/event-stream" };
const trpcInput = (value: unknown): string => encodeURIComponent(JSON.stringify({ json: value }));
const deep = (levels: number): string => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);

/** A browser's owner cookie, as the first page load gives it. */
async function ownerCookie(): Promise<string> {
  const page = await raw("GET", "/");
  const set = ([] as string[]).concat(page.headers["set-cookie"] ?? []);
  const cookie = set.find((c) => c.startsWith("sandpit_owner="))?.split(";")[0];
  if (!cookie) throw new Error(`the first page load set no owner cookie (status ${page.status})`);
  return cookie;
}

/** Runs recorded in a session, asked as the web app (the session belongs to the cookie's browser). */
async function runCount(session: string, cookie: string): Promise<number> {
  const reply = await raw("GET", `/api/sessions/${session}/runs`, { cookie, "sec-fetch-site": "same-origin" });
  expect(reply.status).toBe(200);
  return (reply.json().runs as unknown[]).length;
}

beforeAll(async () => {
  server = await startServer({ SANDPIT_PUBLIC_URL: `https://${PUBLIC_NAME}` });
  port = Number(new URL(server.url).port);
}, 180_000);
afterAll(async () => server[Symbol.asyncDispose]());

describe("Host names (DNS rebinding)", () => {
  it("refuses a foreign Host on pages, REST, tRPC and MCP with 421 naming the right ones", async () => {
    const foreign = { host: `rebound.attacker.test:${port}` };
    const replies = [
      await raw("GET", "/", foreign),
      await raw("GET", "/api/sessions", foreign),
      await raw("GET", `/api/trpc/sessions.list?input=${trpcInput({})}`, foreign),
      await raw("POST", "/api/mcp", { ...foreign, ...mcpHeaders }, mcpList),
      await raw("POST", "/api/sessions/x/terminals/y/input", { ...foreign, ...json }, '{"data":"ls\\n"}'),
    ];
    expect(replies.map((r) => r.status)).toEqual([421, 421, 421, 421, 421]);
    expect(replies[0]?.text).toContain(`misdirected request: this Sandpit answers to`);
    expect(replies[0]?.text).toContain(PUBLIC_NAME);
    expect(replies[1]?.json()).toMatchObject({ error: "misdirected_request" });
    expect(replies[3]?.text).not.toContain("tools");
  });

  it("answers the public name and loopback names at its port", async () => {
    for (const host of [PUBLIC_NAME, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect({ host, status: (await raw("GET", "/api/sessions", { host })).status }).toEqual({ host, status: 200 });
    }
    expect((await raw("GET", "/", { host: `localhost:${port}` })).status).toBe(200);
    expect((await raw("GET", "/api/sessions", { host: `localhost:${port + 1}` })).status).toBe(421);
    const mcp = await raw("POST", "/api/mcp", { host: `localhost:${port}`, ...mcpHeaders }, mcpList);
    expect(mcp.status).toBe(200);
    expect(mcp.text).toContain("run_code");
  });
});

describe("Cross-site requests (CSRF)", () => {
  it("refuses state changes from another site with 403, and takes same-origin and Origin-less ones", async () => {
    const create = (headers: Record<string, string>, id: string): Promise<Reply> =>
      raw("POST", "/api/sessions", { ...json, ...headers }, JSON.stringify({ language: "bash", session_id: id }));
    const evil = await create({ origin: "https://attacker.test" }, "csrf-evil");
    expect(evil.status).toBe(403);
    expect(evil.json().message).toContain('Origin "https://attacker.test" is not one of');
    expect((await create({ "sec-fetch-site": "cross-site" }, "csrf-site")).status).toBe(403);
    expect((await create({ origin: "null" }, "csrf-null")).status).toBe(403);
    expect((await create({ origin: self(), "sec-fetch-site": "same-origin" }, "csrf-same")).status).toBe(201);
    expect((await create({ origin: `https://${PUBLIC_NAME}` }, "csrf-public")).status).toBe(201);
    expect((await create({}, "csrf-curl")).status).toBe(201);
    expect((await raw("GET", "/api/sessions/csrf-evil")).status).toBe(404);

    const trpc = await raw(
      "POST",
      "/api/trpc/sessions.create",
      { ...json, origin: "https://attacker.test", cookie: await ownerCookie() },
      JSON.stringify({ json: { language: "bash" } }),
    );
    expect(trpc.status).toBe(403);
    const mcp = await raw("POST", "/api/mcp", { ...mcpHeaders, origin: "https://attacker.test" }, mcpList);
    expect(mcp.status).toBe(403);
    const input = await raw(
      "POST",
      "/api/sessions/csrf-same/terminals/t1/input",
      { ...json, origin: "https://attacker.test" },
      '{"data":"id\\n"}',
    );
    expect(input.status).toBe(403);
  });

  it("takes only application/json as JSON: text/plain; charset=json is a 415 and creates nothing", async () => {
    const body = JSON.stringify({ language: "bash", session_id: "mime-plain" });
    const plain = await raw("POST", "/api/sessions", { "content-type": "text/plain; charset=json" }, body);
    expect(plain.status).toBe(415);
    expect(plain.json().message).toContain("Content-Type: application/json");
    expect((await raw("POST", "/api/sessions", {}, body)).status).toBe(415);
    expect((await raw("POST", "/api/sessions", { "content-type": "application/jsonx" }, body)).status).toBe(415);
    expect((await raw("GET", "/api/sessions/mime-plain")).status).toBe(404);
    const trpc = await raw(
      "POST",
      "/api/trpc/sessions.create",
      { "content-type": "text/plain; charset=json", cookie: await ownerCookie() },
      JSON.stringify({ json: { language: "bash" } }),
    );
    expect(trpc.status).toBe(415);
    const mcp = await raw(
      "POST",
      "/api/mcp",
      { "content-type": "text/plain; charset=application/json", accept: mcpHeaders.accept },
      mcpList,
    );
    expect(mcp.status).toBe(415);
    const ok = await raw("POST", "/api/sessions", { "content-type": "Application/JSON; charset=utf-8" }, body);
    expect(ok.status).toBe(201);
  });
});

describe("Runs and GET", () => {
  it("never starts a run from a GET; a POST starts one and a GET follows its output", async () => {
    const cookie = await ownerCookie();
    const created = await raw(
      "POST",
      "/api/trpc/sessions.create",
      { ...json, cookie },
      JSON.stringify({ json: { language: "python", session_id: "get-run" } }),
    );
    expect(created.status).toBe(200);
    const before = await runCount("get-run", cookie);
    // What a cross-site link could make a browser fetch, the owner cookie riding along.
    const run = { id: "get-run", run: { code: "print('ran from a GET')" } };
    const viaGet = await raw("GET", `/api/trpc/runs.stream?input=${trpcInput(run)}`, {
      cookie,
      accept: "text/event-stream",
      "sec-fetch-site": "cross-site",
    });
    expect(viaGet.text).not.toContain("ran from a GET");
    const start = await raw("GET", `/api/trpc/runs.start?input=${trpcInput(run)}`, { cookie });
    expect(start.status).toBe(405);
    const follow = await raw("GET", `/api/trpc/runs.follow?input=${trpcInput({ id: "get-run", stream_id: "f-guess" })}`, {
      cookie,
      accept: "text/event-stream",
    });
    expect(follow.text).not.toContain("ran from a GET");
    expect(await runCount("get-run", cookie)).toBe(before);

    const started = await raw(
      "POST",
      "/api/trpc/runs.start",
      { ...json, cookie, origin: self() },
      JSON.stringify({ json: { id: "get-run", run: { code: "print('started by a POST')" } } }),
    );
    expect(started.status).toBe(200);
    const { stream_id } = (started.json().result as { data: { json: { stream_id: string } } }).data.json;
    const output = await raw("GET", `/api/trpc/runs.follow?input=${trpcInput({ id: "get-run", stream_id })}`, {
      cookie,
      accept: "text/event-stream",
    });
    expect(output.text).toContain("started by a POST");
    expect(output.text).toContain('"exit_code":0');
    expect(await runCount("get-run", cookie)).toBe(before + 1);
    // The cookie does not act for a request the browser marks as cross-site, even a GET.
    const crossSite = await raw("GET", "/api/sessions/get-run/runs", { cookie, "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(404);
  });
});

describe("Headers of pages", () => {
  it("forbids framing pages and lets any site frame embed pages, under a CSP without outside sources (frames: Sandpit's previews only)", async () => {
    const page = await raw("GET", "/");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    // Frames may come only from Sandpit itself and its own previews' hosts; nothing else from outside.
    const frames = csp.split("; ").find((directive) => directive.startsWith("frame-src "));
    expect(frames).toBe("frame-src 'self' http://*.localhost:* https://*.localhost:*");
    expect(csp.replace(frames ?? "", "")).not.toMatch(/https?:/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const docs = await raw("GET", "/api-docs");
    expect(docs.headers["x-frame-options"]).toBe("DENY");
    const embed = await raw("GET", "/embed/some-token");
    expect(String(embed.headers["content-security-policy"])).toContain("frame-ancestors *");
    expect(embed.headers["x-frame-options"]).toBeUndefined();
  });
});

describe("Malformed input", () => {
  it("answers bad % escapes in paths and cookies with 400 or the page, never 500", async () => {
    const page = await raw("GET", "/s/%E0%A4%A");
    expect(page.status).toBe(400);
    expect(page.text).toContain("malformed % escape");
    expect((await raw("GET", "/api/sessions/%ZZ/files")).status).toBe(400);
    const cookie = await raw("GET", "/", { cookie: "sandpit_owner=%E0%A4%A; theme=%" });
    expect(cookie.status).toBe(200);
    const api = await raw("GET", "/api/sessions", { cookie: "sandpit_owner=%E0%A4%A" });
    expect(api.status).toBe(200);
  });

  it("answers JSON nested 5,000 deep with 400 on REST, tRPC and MCP", async () => {
    const rest = await raw("POST", "/api/sessions", json, `{"language":"bash","setup":${deep(5000)}}`);
    expect(rest.status).toBe(400);
    expect(rest.json().message).toContain("levels deep");
    const cookie = await ownerCookie();
    const trpcPost = await raw("POST", "/api/trpc/sessions.create", { ...json, cookie }, `{"json":${deep(5000)}}`);
    expect(trpcPost.status).toBe(400);
    // A URL holds less: 2,000 levels of arrays still fit in the request line.
    const nested = "[".repeat(2000) + "]".repeat(2000);
    const trpcGet = await raw("GET", `/api/trpc/sessions.list?input=${encodeURIComponent(`{"json":${nested}}`)}`, {
      cookie,
    });
    expect(trpcGet.status).toBe(400);
    const mcp = await raw(
      "POST",
      "/api/mcp",
      mcpHeaders,
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${deep(5000)}}`,
    );
    expect(mcp.status).toBe(400);
  });
});

describe("Cookies and API keys", () => {
  it("with keys, REST and MCP need a key; the cookie counts only for the web app's own calls from its pages", async () => {
    expect((await raw("GET", "/api/admin/keys")).status).toBe(403); // also makes the admin token
    const admin = {
      ...json,
      "x-sandpit-admin-token": readFileSync(path.join(server.dataDir, "admin-token"), "utf8").trim(),
    };
    const created = await raw("POST", "/api/admin/keys", admin, JSON.stringify({ name: "web", rate_limit: 1000 }));
    expect(created.status).toBe(201);
    const { key, id } = created.json() as { key: string; id: string };
    try {
      const cookie = await ownerCookie();
      const bare = await raw("GET", "/api/sessions", { cookie });
      expect(bare.status).toBe(401);
      expect(bare.json().message).toContain("API key");
      // Claiming to be our own page does not open the rest of the API to the cookie.
      expect((await raw("GET", "/api/sessions", { cookie, "sec-fetch-site": "same-origin" })).status).toBe(401);
      const mcp = await raw("POST", "/api/mcp", { ...mcpHeaders, cookie, "sec-fetch-site": "same-origin" }, mcpList);
      expect(mcp.status).toBe(401);
      expect((await raw("GET", "/api/sessions", { authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await raw("POST", "/api/mcp", { ...mcpHeaders, authorization: `Bearer ${key}` }, mcpList)).status).toBe(200);

      // The web app's terminal calls: the cookie counts from its own page, not from elsewhere.
      const session = await raw(
        "POST",
        "/api/trpc/sessions.create",
        { ...json, cookie, origin: self() },
        JSON.stringify({ json: { language: "bash", session_id: "web-term" } }),
      );
      expect(session.status).toBe(200);
      const terminal = (headers: Record<string, string>): Promise<Reply> =>
        raw("POST", "/api/sessions/web-term/terminals", { ...json, cookie, ...headers }, "{}");
      expect((await terminal({})).status).toBe(401);
      const own = await terminal({ origin: self(), "sec-fetch-site": "same-origin" });
      expect(own.status).toBe(201);
    } finally {
      await raw("DELETE", `/api/admin/keys/${id}`, admin);
    }
  });
});
