import { gunzipSync } from "node:zlib";
import createClient, { type Client } from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";
import type { paths } from "@/lib/api/openapi-types.gen";
import { startServer, type RunningServer } from "@/test/server";

// A client generated from the OpenAPI document (npm run api:types) against a running Sandpit: the
// document's paths, bodies and answers are the ones the server really takes and gives.

let server: RunningServer;
let api: Client<paths>;
const id = "typed-client";

beforeAll(async () => {
  server = await startServer();
  api = createClient<paths>({ baseUrl: server.url });
}, 300_000);
afterAll(async () => server[Symbol.asyncDispose]());

describe("a client generated from the OpenAPI document", () => {
  it("gets the same document the server is built from", async () => {
    const { data, response } = await api.GET("/api/openapi.json");
    expect(response.status).toBe(200);
    expect(data).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("creates a session, runs code, writes and reads a file, lists it, streams a run and downloads the workspace", async () => {
    const created = await api.POST("/api/sessions", { body: { language: "python", session_id: id } });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ id, language: "python", setup_status: "none", sandbox: { state: "none" } });

    const run = await api.POST("/api/sessions/{id}/run", {
      params: { path: { id } },
      body: { code: "import sys; print(6 * 7); print(sys.argv[1:], file=sys.stderr)", args: ["a"] },
    });
    expect(run.data).toMatchObject({ session_id: id, exit_code: 0, stdout: "42\n", stderr: "['a']\n", timed_out: false });

    const written = await api.PUT("/api/sessions/{id}/files/{path}", {
      params: { path: { id, path: "notes/hello.txt" } },
      body: { content: "héllo\n", encoding: "utf8", mode: 0o640 },
    });
    expect(written.data).toMatchObject({ path: "notes/hello.txt", type: "file", size: 7 });

    const asJson = await api.GET("/api/sessions/{id}/files/{path}", {
      params: { path: { id, path: "notes/hello.txt" }, query: { format: "json" } },
    });
    expect(asJson.data).toEqual({ path: "notes/hello.txt", size: 7, mode: 0o640, encoding: "utf8", content: "héllo\n" });

    const raw = await api.GET("/api/sessions/{id}/files/{path}", {
      params: { path: { id, path: "notes/hello.txt" } },
      parseAs: "text",
    });
    expect(raw.response.headers.get("content-type")).toBe("application/octet-stream");
    expect(raw.data).toBe("héllo\n");

    const listed = await api.GET("/api/sessions/{id}/files", { params: { path: { id }, query: { path: "notes" } } });
    expect(listed.data?.files.map((file) => file.path)).toEqual(["notes/hello.txt"]);

    const streamed = await api.POST("/api/sessions/{id}/stream", {
      params: { path: { id } },
      body: { code: "print('streamed')" },
      parseAs: "text",
    });
    expect(streamed.response.headers.get("content-type")).toContain("text/event-stream");
    expect(streamed.data).toContain("event: stdout");
    expect(streamed.data).toMatch(/event: done\ndata: \{"run_id":"[^"]+","exit_code":0,/);

    const archive = await api.GET("/api/sessions/{id}/archive", { params: { path: { id } }, parseAs: "arrayBuffer" });
    expect(archive.response.headers.get("content-type")).toBe("application/gzip");
    expect(gunzipSync(Buffer.from(archive.data ?? new ArrayBuffer(0))).toString("latin1")).toContain("notes/hello.txt");

    const runs = await api.GET("/api/sessions/{id}/runs", { params: { path: { id } } });
    expect(runs.data?.runs.length).toBe(2);
  });

  it("gets typed errors: 404 for a missing session, 400 with details for a bad body or query", async () => {
    const missing = await api.GET("/api/sessions/{id}", { params: { path: { id: "no-such-session" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.data).toBeUndefined();
    expect(missing.error).toEqual({
      error: "not_found",
      message: "session no-such-session does not exist",
      id: "no-such-session",
    });

    const bad = await api.POST("/api/sessions", { body: { language: "cobol" } });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.error).toBe("invalid_request");
    expect(bad.error?.details).toEqual([expect.stringContaining('language: unknown language "cobol"')]);

    const badQuery = await api.GET("/api/sessions/{id}/files", {
      params: { path: { id }, query: { recursive: "maybe" as "true" } },
    });
    expect(badQuery.response.status).toBe(400);
    expect(badQuery.error?.details?.[0]).toMatch(/^recursive: /);
  });

  it("answers only the fields the route table declares", async () => {
    const session = await api.GET("/api/sessions/{id}", { params: { path: { id } } });
    const declared = Object.keys(
      (openApiDocument() as { components: { schemas: { Session: { properties: object } } } }).components.schemas.Session
        .properties,
    );
    expect(Object.keys(session.data ?? {}).sort()).toEqual(declared.sort());
  });
});
