import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient, type RestClient } from "@/test/api";
import { requestWithHost, type HostReply } from "@/test/host-request";
import { startServer, type RunningServer } from "@/test/server";
import { eventually } from "@/test/wait";

// Previews through the built server: a program listening in a real sandbox (no network) is
// reached through the agent channel on an origin of its own, and only by those let in.

let server: RunningServer;
let api: RestClient;
let ownerKey: string;
let otherKey: string;
let ownerKeyId: string;

const admin = (): Record<string, string> => ({
  "x-sandpit-admin-token": readFileSync(path.join(server.dataDir, "admin-token"), "utf8").trim(),
});
const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

type Reply = HostReply;

/** A request to the server at 127.0.0.1 with any Host header (the preview's name needs no DNS here). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const target = new URL(url);
  return requestWithHost(server.url, target.host, `${target.pathname}${target.search}`, options);
}

/** Opens a preview link as a browser would: the cookie it sets, and the origin it leads to. */
async function enter(link: { url: string; origin: string }): Promise<string> {
  const opened = await request(link.url);
  expect(opened.status).toBe(303);
  expect(opened.headers.location).toBe("/");
  const setCookie = opened.headers["set-cookie"]?.[0] ?? "";
  expect(setCookie).toMatch(/^__Host-sandpit_preview=[^;]+; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/);
  return setCookie.split(";")[0] as string;
}

async function portsOf(session: string, key: string): Promise<Array<{ port: number; url: string; origin: string }>> {
  const answer = await api.call("GET", `/api/sessions/${session}/ports`, undefined, bearer(key));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.ports as Array<{ port: number; url: string; origin: string }>;
}

async function waitForPort(session: string, port: number): Promise<{ port: number; url: string; origin: string }> {
  return eventually(`port ${port} in ${session}`, async () => (await portsOf(session, ownerKey)).find((p) => p.port === port));
}

async function serve(session: string, code: string): Promise<string> {
  const started = await api.call("POST", `/api/sessions/${session}/runs`, { code, serve: true }, bearer(ownerKey));
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body.run_id as string;
}

// Node in the sandbox: echoes what it was sent (headers included), sets a cookie that tries to
// reach every preview, streams, and answers an upgrade by echoing bytes.
const NODE_APP = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/big") {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let left = 4 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = () => { while (left > 0) { left -= chunk.length; if (!res.write(chunk)) return res.once("drain", pump); } res.end(); };
    return pump();
  }
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "set-cookie": ["app=1; Domain=localhost; Path=/", "own=2; Path=/"] });
    res.end(JSON.stringify({ method: req.method, url: req.url, cookie: req.headers.cookie ?? null, host: req.headers.host, body }));
  });
});
server.on("upgrade", (req, socket) => {
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n");
  socket.on("data", (d) => socket.write("echo:" + d));
});
server.listen(8000, "0.0.0.0", () => console.log("listening"));
`;

beforeAll(async () => {
  server = await startServer();
  api = restClient(server.url);
  // The admin token is made on the first admin request.
  expect((await fetch(`${server.url}/api/admin/keys`)).status).toBe(403);
  const key = async (name: string): Promise<{ key: string; id: string }> => {
    const answer = await api.call("POST", "/api/admin/keys", { name }, admin());
    expect(answer.status).toBe(201);
    return { key: answer.body.key as string, id: answer.body.id as string };
  };
  const owner = await key("owner");
  ownerKey = owner.key;
  ownerKeyId = owner.id;
  otherKey = (await key("other")).key;
  for (const [id, language] of [
    ["prev-node", "node"],
    ["prev-py", "python"],
  ])
    expect((await api.call("POST", "/api/sessions", { language, session_id: id }, bearer(ownerKey))).status).toBe(201);
}, 180_000);
afterAll(async () => server[Symbol.asyncDispose]());

describe("Previews", () => {
  it("list nothing while no sandbox runs, and refuse serve mode where a run must end by itself", async () => {
    expect(await portsOf("prev-py", ownerKey)).toEqual([]);
    const refused = await api.call("POST", "/api/sessions/prev-py/run", { code: "print(1)", serve: true }, bearer(ownerKey));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/serve is for interactive runs/);
    const both = await api.call(
      "POST",
      "/api/sessions/prev-py/runs",
      { code: "print(1)", serve: true, timeout: 5 },
      bearer(ownerKey),
    );
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toMatch(/serve or timeout, not both/);
  });

  it("relay Python's http.server from a sandbox without a network, on an origin per session and port", async () => {
    const put = await api.call(
      "PUT",
      "/api/sessions/prev-py/files/site/index.html",
      { content: "<h1>hello from the sandbox</h1>" },
      bearer(ownerKey),
    );
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    await serve(
      "prev-py",
      "import http.server, functools\nh = functools.partial(http.server.SimpleHTTPRequestHandler, directory='site')\nhttp.server.ThreadingHTTPServer(('0.0.0.0', 8000), h).serve_forever()\n",
    );
    const link = await waitForPort("prev-py", 8000);
    expect(link.origin).toMatch(/^http:\/\/8000--[a-z2-7]{26}\.localhost:\d+$/);
    const cookie = await enter(link);
    const page = await request(`${link.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain("hello from the sandbox");
    // Another session's preview has another origin.
    const node = await serve("prev-node", NODE_APP);
    expect(node).toMatch(/^r-/);
    const other = await waitForPort("prev-node", 8000);
    expect(new URL(other.origin).host).not.toBe(new URL(link.origin).host);
  });

  it("keep Sandpit's cookie from the app and the app's cookies to its own host", async () => {
    const link = await waitForPort("prev-node", 8000);
    const cookie = await enter(link);
    const answer = await request(`${link.origin}/echo?x=1`, {
      method: "POST",
      headers: { cookie: `${cookie}; mine=3` },
      body: "payload",
    });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as { method: string; url: string; cookie: string | null; host: string; body: string };
    expect(seen).toMatchObject({ method: "POST", url: "/echo?x=1", cookie: "mine=3", body: "payload" });
    expect(seen.host).toBe(new URL(link.origin).host);
    expect(answer.headers["set-cookie"]).toEqual(["app=1; Path=/", "own=2; Path=/"]);
    // A large response streams through whole.
    const big = await request(`${link.origin}/big`, { headers: { cookie } });
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(4 * 1024 * 1024);
  });

  it("relay an upgraded connection both ways", async () => {
    const link = await waitForPort("prev-node", 8000);
    const cookie = await enter(link);
    const local = new URL(server.url);
    const echoed = await new Promise<string>((resolve, reject) => {
      const outgoing = http.request({
        host: "127.0.0.1",
        port: local.port,
        path: "/socket",
        headers: { host: new URL(link.origin).host, cookie, connection: "Upgrade", upgrade: "echo" },
      });
      outgoing.on("upgrade", (response, socket) => {
        expect(response.statusCode).toBe(101);
        let got = "";
        socket.on("data", (data: Buffer) => {
          got += data.toString();
          if (got.includes("echo:ping")) {
            socket.destroy();
            resolve(got);
          }
        });
        socket.write("ping");
      });
      outgoing.on("error", reject);
      outgoing.end();
    });
    expect(echoed).toBe("echo:ping");
  });

  it("let in only those who may open the session's previews, checked on every request", async () => {
    const link = await waitForPort("prev-node", 8000);
    const origin = link.origin;
    // No cookie, a forged one, or a link of another session: not in.
    expect((await request(`${origin}/`)).status).toBe(401);
    expect((await request(`${origin}/`, { headers: { cookie: "__Host-sandpit_preview=v1.AAAA.BBBB.CCCC" } })).status).toBe(401);
    const python = await waitForPort("prev-py", 8000);
    const pythonCookie = await enter(python);
    expect((await request(`${origin}/`, { headers: { cookie: pythonCookie } })).status).toBe(401);
    const wrongHost = await request(python.url.replace(new URL(python.origin).host, new URL(origin).host));
    expect(wrongHost.status).toBe(403);
    // Someone else cannot list the ports.
    const foreign = await api.call("GET", "/api/sessions/prev-node/ports", undefined, bearer(otherKey));
    expect(foreign.status).toBe(404);
    // The proxy's own port inside the sandbox is never a preview.
    expect((await portsOf("prev-node", ownerKey)).map((p) => p.port)).not.toContain(3128);
    // Revoking the key the preview was opened with closes it.
    const cookie = await enter(link);
    expect((await request(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    expect((await api.call("DELETE", `/api/admin/keys/${ownerKeyId}`, undefined, admin())).status).toBe(200);
    await eventually("the preview to close", async () =>
      (await request(`${origin}/`, { headers: { cookie } })).status === 401 ? true : undefined,
    );
  });
});

describe("A served program and its preview", () => {
  it("do not keep an idle sandbox awake by themselves, but preview traffic does", async () => {
    await using idle = await startServer({ SANDPIT_IDLE_TIMEOUT: "5s" });
    const client = restClient(idle.url);
    expect((await client.call("POST", "/api/sessions", { language: "node", session_id: "awake" })).status).toBe(201);
    const started = await client.call("POST", "/api/sessions/awake/runs", {
      code: 'require("node:http").createServer((q, s) => s.end("up")).listen(8000);',
      serve: true,
    });
    expect(started.status).toBe(202);
    const link = await eventually("the served port", async () => {
      const listed = await client.call("GET", "/api/sessions/awake/ports");
      return (listed.body.ports as Array<{ port: number; url: string; origin: string }>)[0];
    });
    const local = new URL(idle.url).port;
    const get = (path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders }> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: local, path, headers: { host: new URL(link.origin).host, ...headers } }, (response) => {
            response.resume();
            resolve({ status: response.statusCode ?? 0, headers: response.headers });
          })
          .on("error", reject);
      });
    const entry = new URL(link.url);
    const cookie = ((await get(`${entry.pathname}${entry.search}`, {})).headers["set-cookie"]?.[0] ?? "").split(";")[0] as string;
    // Three idle timeouts of a preview in use: every request answers, from the same sandbox.
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      expect((await get("/", { cookie })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(((await client.call("GET", "/api/sessions/awake")).body.sandbox as { state: string }).state).toBe("running");
    // Left alone, the served program does not hold the sandbox: it goes to sleep, and the preview says so.
    await eventually(
      "the sandbox to sleep",
      async () =>
        ((await client.call("GET", "/api/sessions/awake")).body.sandbox as { state: string }).state === "hibernated"
          ? true
          : undefined,
      60_000,
    );
    expect((await get("/", { cookie })).status).toBe(503);
  }, 180_000);
});

describe("Preview connections", () => {
  it("are held to SANDPIT_PREVIEW_CONNECTIONS per session, each freed when its request ends", async () => {
    await using bounded = await startServer({ SANDPIT_PREVIEW_CONNECTIONS: "3" });
    const client = restClient(bounded.url);
    expect((await client.call("POST", "/api/sessions", { language: "node", session_id: "bounded" })).status).toBe(201);
    const code = `const server = require("node:http").createServer((q, s) => s.end("up"));
server.on("upgrade", (req, socket) => socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n"));
server.listen(8000);`;
    expect((await client.call("POST", "/api/sessions/bounded/runs", { code, serve: true })).status).toBe(202);
    const link = await eventually("the served port", async () => {
      const listed = await client.call("GET", "/api/sessions/bounded/ports");
      return (listed.body.ports as Array<{ port: number; url: string; origin: string }>)[0];
    });
    const local = new URL(bounded.url).port;
    const host = new URL(link.origin).host;
    const send = (
      path: string,
      headers: Record<string, string>,
    ): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket?: Socket }> =>
      new Promise((resolve, reject) => {
        const outgoing = http.request({ host: "127.0.0.1", port: local, path, headers: { host, ...headers } });
        outgoing.on("upgrade", (response, socket) =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, socket }),
        );
        outgoing.on("response", (response) => {
          response.resume();
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
        });
        outgoing.on("error", reject);
        outgoing.end();
      });
    const entry = new URL(link.url);
    const cookie = ((await send(`${entry.pathname}${entry.search}`, {})).headers["set-cookie"]?.[0] ?? "").split(
      ";",
    )[0] as string;
    // Many requests one after another: each one's connection is given back.
    for (let i = 0; i < 10; i++) expect((await send("/", { cookie })).status).toBe(200);
    // Three held open (upgraded) fill the bound; the next is refused until one closes.
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await send("/socket", { cookie, connection: "Upgrade", upgrade: "echo" }));
    expect(held.map((h) => h.status)).toEqual([101, 101, 101]);
    expect((await send("/", { cookie })).status).toBe(503);
    held[0]?.socket?.destroy();
    await eventually("a freed connection", async () => ((await send("/", { cookie })).status === 200 ? true : undefined));
    for (const h of held) h.socket?.destroy();
  }, 180_000);
});
