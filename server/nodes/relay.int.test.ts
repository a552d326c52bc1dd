import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_NODE, LABEL_SESSION } from "@/server/sandbox/engine/driver";
import { restClient } from "@/test/api";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "@/test/cleanup";
import { requirePostgres } from "@/test/databases";
import { testDocker } from "@/test/docker";
import { startServer, type RunningServer } from "@/test/server";
import { requestWithHost } from "@/test/host-request";
import { decodedText, readEvents } from "@/test/sse";
import { eventually, waitFor } from "@/test/wait";

// Two Sandpit processes on one PostgreSQL, each with its own data folder (so its own node id),
// both on this host's engine. Every request is sent to the node that does NOT run the session:
// it must come back answered by the one that does.
const postgres = requirePostgres();
const { docker } = testDocker();

let url: string;
let a: RunningServer;
let b: RunningServer;

async function query(text: string, values: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

async function leaseHolder(session: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ node_id: string }>(
      "select node_id from session_leases where session_id = $1 and expires_at > now()",
      [session],
    );
    return rows[0]?.node_id;
  } finally {
    await client.end();
  }
}

/** The nodes whose containers run the session's sandbox now (by their Docker labels). */
async function runningOn(session: string): Promise<string[]> {
  const containers = await docker.listContainers({ filters: { label: [`${LABEL_SESSION}=${session}`], status: ["running"] } });
  return containers.map((container) => container.Labels[LABEL_NODE] ?? "?");
}

const nodeIdOf = async (server: RunningServer): Promise<string> =>
  eventually(
    "the node to register",
    async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ id: string }>("select id from nodes where address = $1", [server.url]);
        return rows[0]?.id;
      } finally {
        await client.end();
      }
    },
    30_000,
  );

let folders: string[] = [];
const METRICS_TOKEN = randomBytes(24).toString("hex");
let nodeA: string;
let nodeB: string;

beforeAll(async () => {
  url = (await postgres.env()).DATABASE_URL as string;
  const env = {
    SANDPIT_METRICS_TOKEN: METRICS_TOKEN,
    DATABASE_URL: url,
    SANDPIT_HEARTBEAT_INTERVAL: "1s",
    SANDPIT_WARM_POOL: "0",
  };
  // Nodes share owner-secret (docs/deploy.md): a browser's cookie means the same on each.
  const secret = randomBytes(32).toString("hex");
  folders = [tempDataDir("sandpit-server-"), tempDataDir("sandpit-server-")];
  for (const folder of folders) writeFileSync(path.join(folder, "owner-secret"), secret, { mode: 0o600 });
  a = await startServer(env, { dataDir: folders[0] });
  b = await startServer(env, { dataDir: folders[1] });
  nodeA = await nodeIdOf(a);
  nodeB = await nodeIdOf(b);
}, 180_000);

afterAll(async () => {
  await b?.[Symbol.asyncDispose]();
  await a?.[Symbol.asyncDispose]();
  // The folders were given to the servers, so they are this file's to remove, with their sandboxes.
  for (const folder of folders) {
    await removeSandboxesOf(docker, folder);
    await removeDataDir(folder);
  }
  await postgres.cleanup();
});

describe("requests for a session another node runs", () => {
  it("are sent on to that node: runs, files, run streams, terminals and tRPC calls, and the sandbox runs on it alone", async () => {
    const viaA = restClient(a.url);
    expect((await viaA.call("POST", "/api/sessions", { language: "python", session_id: "relayed" })).status).toBe(201);
    // Whichever node gets the first run starts the sandbox (the one with the most room, chosen alike by both).
    const first = await viaA.call("POST", "/api/sessions/relayed/run", {
      code: "open('a.txt','w').write('from a')\nprint('one')",
    });
    expect(first.body).toMatchObject({ exit_code: 0, stdout: "one\n" });
    const owner = await leaseHolder("relayed");
    expect([nodeA, nodeB]).toContain(owner);
    const [ownerServer, other] = owner === nodeA ? [a, b] : [b, a];
    const viaOther = restClient(other.url);

    // A run, a file write and a read through the node that does not run it.
    const second = await viaOther.call("POST", "/api/sessions/relayed/run", { code: "print(open('a.txt').read())" });
    expect(second.body).toMatchObject({ exit_code: 0, stdout: "from a\n" });
    expect((await viaOther.call("PUT", "/api/sessions/relayed/files/b.txt", { content: "from b" })).status).toBeLessThan(300);
    expect((await restClient(ownerServer.url).call("GET", "/api/sessions/relayed/files/b.txt")).body).toEqual({ text: "from b" });
    expect(await runningOn("relayed")).toEqual([owner]);

    // A streamed run: started and followed through the other node.
    const started = await viaOther.call("POST", "/api/sessions/relayed/runs", {
      code: "import time\nfor i in range(3):\n    print('tick', i, flush=True)\n    time.sleep(0.2)",
    });
    expect(started.status).toBe(202);
    const stream = await readEvents(
      `${other.url}/api/sessions/relayed/runs/${String(started.body.run_id)}/events`,
      {},
      (events) => events.some((event) => event.event === "exit"),
    );
    expect(stream.status).toBe(200);
    expect(JSON.parse(stream.events.find((event) => event.event === "exit")?.data ?? "{}")).toMatchObject({ code: 0 });
    expect(decodedText(stream.events, "stdout").replaceAll("\r", "")).toBe("tick 0\ntick 1\ntick 2\n");

    // A terminal opened, typed into and read through the other node.
    const terminal = await viaOther.call("POST", "/api/sessions/relayed/terminals", { cols: 80, rows: 24 });
    expect(terminal.status).toBe(201);
    const base = `${other.url}/api/sessions/relayed/terminals/${String(terminal.body.terminal_id)}`;
    expect((await fetch(`${base}/input`, { method: "POST", body: "echo relayed-$((6*7))\n" })).status).toBeLessThan(300);
    const output = await readEvents(`${base}/output`, {}, (events) => decodedText(events, "data").includes("relayed-42"));
    expect(output.status).toBe(200);
    expect(decodedText(output.events, "data")).toContain("relayed-42");

    // tRPC as the IDE calls it: a mutation naming the session in a header, a query in its URL.
    const input = { json: { id: "relayed", path: "c.txt", file: { content: "via trpc" } } };
    const written = await fetch(`${other.url}/api/trpc/files.write?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-sandpit-session": "relayed", origin: other.url },
      body: JSON.stringify({ 0: input }),
    });
    expect(written.status).toBe(200);
    const read = await fetch(
      `${other.url}/api/trpc/files.read?input=${encodeURIComponent(JSON.stringify({ json: { id: "relayed", path: "c.txt" } }))}`,
    );
    expect(JSON.stringify(await read.json())).toContain("via trpc");
    expect(await runningOn("relayed")).toEqual([owner]);

    const metrics = await (await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(/sandpit_relayed_requests_total\{reason="owner",outcome="relayed"\} ([1-9]\d*)/);
  });

  it("are sent on for previews too: a program served in the sandbox answers through the other node", async () => {
    const owner = await leaseHolder("relayed");
    const other = owner === nodeA ? b : a;
    const viaOther = restClient(other.url);
    const served = await viaOther.call("POST", "/api/sessions/relayed/runs", {
      code: "import http.server\nhttp.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=8000, bind='0.0.0.0')",
      serve: true,
    });
    expect(served.status, JSON.stringify(served.body)).toBe(202);
    const link = await eventually("port 8000 to listen", async () => {
      const answer = await viaOther.call("GET", "/api/sessions/relayed/ports");
      return (answer.body.ports as Array<{ port: number; url: string }> | undefined)?.find((port) => port.port === 8000);
    });
    // The preview's own host name, sent to the node that does not run the session.
    const entry = new URL(link.url);
    const opened = await requestWithHost(other.url, entry.host, `${entry.pathname}${entry.search}`);
    expect(opened.status).toBe(303);
    const cookie = (opened.headers["set-cookie"]?.[0] ?? "").split(";")[0] as string;
    const page = await requestWithHost(other.url, entry.host, "/b.txt", { headers: { cookie } });
    expect(page).toMatchObject({ status: 200, body: "from b" });
    expect(await runningOn("relayed")).toEqual([owner]);
  });

  it("go to the node with room when nobody runs the session", async () => {
    // B says it has room for no sandbox: a session nobody runs is started on A, wherever it is asked.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("update nodes set capacity = 0 where id = $1", [nodeB]);
    await client.end();
    const viaB = restClient(b.url);
    for (const id of ["placed-1", "placed-2", "placed-3"]) {
      expect((await viaB.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
      expect((await viaB.call("POST", `/api/sessions/${id}/run`, { code: "print('placed')" })).body).toMatchObject({
        stdout: "placed\n",
      });
      expect(await leaseHolder(id)).toBe(nodeA);
      expect(await runningOn(id)).toEqual([nodeA]);
    }
  });
});

describe("relaying, attacked", () => {
  /** A browser's owner cookie, as a node hands it out on a first visit. */
  const ownerCookie = async (server: RunningServer): Promise<string> => {
    const page = await fetch(`${server.url}/`, { redirect: "manual" });
    const cookie = page.headers.getSetCookie().find((line) => line.startsWith("sandpit_owner="));
    expect(cookie).toBeDefined();
    return (cookie as string).split(";")[0] as string;
  };

  it("sends nothing on with more headers than the next node would keep, and never to this node's own address", async () => {
    const held = await leaseHolder("relayed");
    const other = held === nodeA ? b : a;
    const many: Record<string, string> = {};
    for (let i = 0; i < 990; i++) many[`x-filler-${i}`] = "1";
    const flooded = await fetch(`${other.url}/api/sessions/relayed/files`, { headers: many });
    expect(flooded.status).toBe(431);
    expect(((await flooded.json()) as { message: string }).message).toMatch(/send at most 200/);

    // A node registered at B's own address holds a session's lease: B answers itself, once.
    await query("insert into nodes (id, address, capacity, heartbeat_ms) values ($1, $2, 4, 60000)", ["n-impostor", b.url]);
    await query("insert into session_leases (session_id, node_id, expires_at) values ($1, $2, now() + interval '1 minute')", [
      "ghost",
      "n-impostor",
    ]);
    const answer = await fetch(`${b.url}/api/sessions/ghost/files`);
    expect(answer.status).toBe(404);
    await query("delete from session_leases where session_id = $1", ["ghost"]);
    await query("delete from nodes where id = $1", ["n-impostor"]);
  });

  it("gives a cross-site request no more through another node than from the node itself", async () => {
    const owner = await leaseHolder("relayed");
    const ownerServer = owner === nodeA ? a : b;
    const cookie = await ownerCookie(ownerServer);
    const own = { cookie, origin: ownerServer.url };
    const created = await restClient(ownerServer.url).call(
      "POST",
      "/api/sessions",
      { language: "python", session_id: "private-one" },
      own,
    );
    expect(created.status).toBe(201);
    expect(
      (await restClient(ownerServer.url).call("PUT", "/api/sessions/private-one/files/secret.txt", { content: "secret" }, own))
        .status,
    ).toBe(200);
    // Its sandbox runs where its first run put it; the other node of the two sends requests there.
    const holder = await leaseHolder("private-one");
    const sender = holder === nodeA ? b : a;
    const foreign = { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    const direct = await restClient(holder === nodeA ? a.url : b.url).call(
      "GET",
      "/api/sessions/private-one/files/secret.txt",
      undefined,
      foreign,
    );
    const relayed = await restClient(sender.url).call("GET", "/api/sessions/private-one/files/secret.txt", undefined, foreign);
    expect(direct.status).toBe(404);
    expect(relayed.status).toBe(direct.status);
    // The same browser from Sandpit's own page reads it through either node.
    expect(
      (
        await restClient(sender.url).call("GET", "/api/sessions/private-one/files/secret.txt", undefined, {
          cookie,
          origin: sender.url,
        })
      ).body,
    ).toEqual({ text: "secret" });
  });

  it("refuses a tRPC call about another session than its X-Sandpit-Session header names", async () => {
    const refused = await fetch(`${b.url}/api/trpc/files.write?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-sandpit-session": "relayed", origin: b.url },
      body: JSON.stringify({ 0: { json: { id: "placed-1", path: "x.txt", file: { content: "x" } } } }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/X-Sandpit-Session header names session relayed, but this call is about placed-1/);
  });
});

// Last: it kills node A.
describe("a node that stops answering", () => {
  it("get a clear 503 while the node that runs it does not answer, and run elsewhere once its lease lapses", async () => {
    const viaB = restClient(b.url);
    expect((await viaB.call("POST", "/api/sessions", { language: "python", session_id: "orphan" })).status).toBe(201);
    expect((await viaB.call("POST", "/api/sessions/orphan/run", { code: "print(1)" })).status).toBe(200);
    expect(await leaseHolder("orphan")).toBe(nodeA);
    await a.crash();
    const refused = await viaB.call("POST", "/api/sessions/orphan/run", { code: "print(2)" });
    // Unless the lease lapsed already (three heartbeats), B answers for the node that is gone.
    expect([200, 503]).toContain(refused.status);
    if (refused.status === 503) {
      expect(refused.body).toMatchObject({ error: "node_unavailable", node: nodeA });
      expect(refused.headers.get("retry-after")).toBe("5");
    }
    await waitFor("the lost node's lease to lapse and B to run the session", async () => {
      const answer = await viaB.call("POST", "/api/sessions/orphan/run", { code: "print(3)" });
      return answer.status === 200 && answer.body.stdout === "3\n";
    });
    expect(await leaseHolder("orphan")).toBe(nodeB);
  });
});
