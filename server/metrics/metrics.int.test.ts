import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken } from "@/server/auth/admin-token";
import { restClient, type RestClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";

const TOKEN = `metrics-${randomBytes(12).toString("hex")}`;
let server: RunningServer;
let call: RestClient["call"];
let until: RestClient["until"];

beforeAll(async () => {
  server = await startServer({ SANDPIT_METRICS_TOKEN: TOKEN, SANDPIT_MAX_SANDBOXES: "7" });
  ({ call, until } = restClient(server.url));
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

/** The samples of a Prometheus text page: `name{a="b"}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Map<string, number>> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return parse(await response.text());
}

const value = (samples: Map<string, number>, name: string): number => samples.get(name) ?? 0;

describe("/metrics", () => {
  it("refuses a scrape without the token, saying how to send it", async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    expect(await anonymous.text()).toContain("Authorization: Bearer <SANDPIT_METRICS_TOKEN>");
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("not SANDPIT_METRICS_TOKEN");
    // An API key is a tenant's: it opens the API, not the operator's metrics.
    const admin = { "x-sandpit-admin-token": adminToken(server.dataDir) };
    const created = await call("POST", "/api/admin/keys", { name: "tenant" }, admin);
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await call("GET", "/api/sessions", undefined, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    await call("DELETE", `/api/admin/keys/${created.body.id as string}`, undefined, admin);
    // The admin token opens them too.
    expect(value(await scrape(admin), 'sandpit_node_capacity_sandboxes{node="' + readNode() + '"}')).toBe(7);
  });

  it("counts the runs, sessions, sandboxes and layer lookups a client caused, exactly", async () => {
    const before = await scrape();
    const setup = { commands: [`echo ${randomBytes(6).toString("hex")} > ready.txt`] };
    expect((await call("POST", "/api/sessions", { language: "python", session_id: "m-one", setup })).status).toBe(201);
    await until("m-one", (s) => s.setup_status === "completed");
    // The same setup again: its layer is stored now.
    expect((await call("POST", "/api/sessions", { language: "python", session_id: "m-two", setup })).status).toBe(201);
    expect((await until("m-two", (s) => s.setup_status === "completed")).setup_result).toMatchObject({
      layer: { cache_hit: true },
    });
    expect((await call("POST", "/api/sessions", { language: "bash", session_id: "m-three" })).status).toBe(201);

    const ok = await call("POST", "/api/sessions/m-one/run", { code: "print(open('ready.txt').read() != '')" });
    expect(ok.body).toMatchObject({ exit_code: 0, stdout: "True\n" });
    expect((await call("POST", "/api/sessions/m-one/run", { code: "raise SystemExit(3)" })).body).toMatchObject({ exit_code: 3 });
    const slow = await call("POST", "/api/sessions/m-one/run", { code: "import time; time.sleep(5)", timeout: 1 });
    expect(slow.body).toMatchObject({ timed_out: true });

    const after = await scrape();
    const delta = (name: string): number => value(after, name) - value(before, name);
    expect(delta('sandpit_runs_total{language="python",outcome="ok"}')).toBe(1);
    expect(delta('sandpit_runs_total{language="python",outcome="error"}')).toBe(1);
    expect(delta('sandpit_runs_total{language="python",outcome="timeout"}')).toBe(1);
    expect(delta('sandpit_run_duration_seconds_count{language="python"}')).toBe(3);
    // The timed-out run alone took a second or more from request to result.
    expect(delta('sandpit_run_duration_seconds_bucket{le="0.5",language="python"}')).toBeLessThanOrEqual(2);
    expect(delta('sandpit_run_duration_seconds_sum{language="python"}')).toBeGreaterThanOrEqual(1);
    expect(delta('sandpit_layer_cache_lookups_total{result="miss"}')).toBe(1);
    expect(delta('sandpit_layer_cache_lookups_total{result="hit"}')).toBe(1);
    // m-one runs in its sandbox; m-two and m-three never started one.
    expect(delta('sandpit_sessions{state="running"}')).toBe(1);
    expect(delta('sandpit_sessions{state="new"}')).toBe(2);
    expect(value(after, "sandpit_sandboxes")).toBe(1);
    expect(value(after, "sandpit_setup_queue_length")).toBe(0);
    expect(value(after, "sandpit_setups_running")).toBe(0);
    expect(value(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // One node: no session's lease came from another (both reasons are shown from the start).
    expect(after.get('sandpit_lease_moves_total{reason="lapsed"}')).toBe(0);
    expect(after.get('sandpit_lease_moves_total{reason="released"}')).toBe(0);

    // Deleting a session takes its sandbox and its count away.
    expect((await call("DELETE", "/api/sessions/m-one")).status).toBe(200);
    const deleted = await scrape();
    expect(value(deleted, "sandpit_sandboxes")).toBe(0);
    expect(value(deleted, 'sandpit_sessions{state="running"}')).toBe(value(before, 'sandpit_sessions{state="running"}'));
  });
});

function readNode(): string {
  return readFileSync(path.join(server.dataDir, "node-id"), "utf8").trim();
}
