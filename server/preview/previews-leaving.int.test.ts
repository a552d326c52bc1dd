import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient, type RestClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";
import { eventually } from "@/test/wait";

// Previews against a hostile program and a browser that leaves early: what the gateway owes each
// request (an answer, or its connection given back) whatever the app answers and whenever the
// browser goes. Each case has a session of its own, as the connection bound is per session.

const CONNECTIONS = 2;

let server: RunningServer;
let api: RestClient;
let local: string;

// Port 8000: `/hang` is read and never answered, an upgrade is answered and then held open (as a
// WebSocket server does), anything else answers "up". Port 8001 answers every request with `101
// Switching Protocols`, asked for or not, and then keeps the connection.
const APP = `
const http = require("node:http");
const net = require("node:net");
const server = http.createServer((req, res) => {
  if (req.url === "/hang") return;
  res.end("up");
});
server.on("upgrade", (req, socket) => {
  socket.on("error", () => undefined);
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\n\\r\\n");
});
server.listen(8000);
net.createServer((socket) => {
  socket.on("error", () => undefined);
  socket.once("data", () => socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: x\\r\\nConnection: Upgrade\\r\\n\\r\\nbytes"));
}).listen(8001);
`;

interface Preview {
  host: string;
  cookie: string;
}

function get(
  host: string,
  path: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.get(
      { host: "127.0.0.1", port: local, path, headers: { host, ...headers }, agent: false },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      },
    );
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer to ${path} within ${timeoutMs} ms`)));
    outgoing.on("error", reject);
  });
}

/** A session serving APP, and the cookie that opens its preview on `port`. */
async function servedPreview(session: string, port: number): Promise<Preview> {
  expect((await api.call("POST", "/api/sessions", { language: "node", session_id: session })).status).toBe(201);
  expect((await api.call("POST", `/api/sessions/${session}/runs`, { code: APP, serve: true })).status).toBe(202);
  const link = await eventually(`port ${port} in ${session}`, async () => {
    const listed = await api.call("GET", `/api/sessions/${session}/ports`);
    return (listed.body.ports as Array<{ port: number; url: string; origin: string }>).find((p) => p.port === port);
  });
  const host = new URL(link.origin).host;
  const entry = new URL(link.url);
  const opened = await get(host, `${entry.pathname}${entry.search}`, {});
  expect(opened.status).toBe(303);
  return { host, cookie: (opened.headers["set-cookie"]?.[0] ?? "").split(";")[0] as string };
}

/** Sends a request as raw bytes and goes away `afterMs` later, before any answer can come. */
function sendAndLeave(preview: Preview, path: string, afterMs: number, upgrade = false): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(local), "127.0.0.1", () => {
      const extra = upgrade ? "Connection: Upgrade\r\nUpgrade: echo\r\n" : "";
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${preview.host}\r\nCookie: ${preview.cookie}\r\n${extra}\r\n`);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, afterMs);
    });
    socket.on("error", () => resolve());
  });
}

/** Whether a plain request to the preview is let through again (not refused for want of connections). */
async function answersAgain(preview: Preview): Promise<true | undefined> {
  return (await get(preview.host, "/", { cookie: preview.cookie })).status === 200 ? true : undefined;
}

beforeAll(async () => {
  server = await startServer({ SANDPIT_PREVIEW_CONNECTIONS: String(CONNECTIONS) });
  api = restClient(server.url);
  local = new URL(server.url).port;
}, 180_000);
afterAll(async () => server[Symbol.asyncDispose]());

describe("A preview whose browser leaves while its connection to the app opens", () => {
  // The gateway waits for the access check and the agent's connect before it listens for the
  // browser going away; a browser gone by then leaves a connection to the app nobody closes, and
  // counted against SANDPIT_PREVIEW_CONNECTIONS for as long as the app keeps it.
  it("gives that connection back (plain requests)", async () => {
    const preview = await servedPreview("rt-leave-http", 8000);
    expect(await answersAgain(preview)).toBe(true);
    for (const afterMs of [0, 1, 2, 3, 5, 8, 13, 20, 30, 50]) await sendAndLeave(preview, "/hang", afterMs);
    await eventually("the preview to answer again", () => answersAgain(preview), 15_000);
  });

  it("gives that connection back (upgrades)", async () => {
    const preview = await servedPreview("rt-leave-upgrade", 8000);
    expect(await answersAgain(preview)).toBe(true);
    for (const afterMs of [0, 1, 2, 3, 5, 8, 13, 20, 30, 50]) await sendAndLeave(preview, "/ws", afterMs, true);
    await eventually("the preview to answer again", () => answersAgain(preview), 15_000);
  });
});

describe("An app that answers a plain request with 101 Switching Protocols", () => {
  // Node's client drops a 101 nobody asked for without an 'error' or a 'response': the browser's
  // request then waits for ever, its connection to Sandpit held while the preview's connection bound
  // no longer counts it, so any number of them can be held open.
  it("is refused with a 502, and no request is left waiting", async () => {
    const preview = await servedPreview("rt-101", 8001);
    // One after another, so that the connection bound never refuses any of them.
    for (let i = 0; i < CONNECTIONS + 1; i++) {
      const answer = await get(preview.host, "/", { cookie: preview.cookie }, 5_000).then(
        (reply) => reply.status,
        (error: Error) => error.message,
      );
      expect(answer).toBe(502);
    }
  });
});
