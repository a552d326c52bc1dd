import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient, type RestClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";

let server: RunningServer;
let call: RestClient["call"];
let until: RestClient["until"];

beforeAll(async () => {
  server = await startServer();
  ({ call, until } = restClient(server.url));
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

const untilSetupDone = (id: string): Promise<Record<string, unknown>> =>
  until(id, (s) => s.setup_status === "completed" || s.setup_status === "failed");

describe("REST: sessions", () => {
  it("creates a session, answering at once with setup_status pending, and polls it to completed", async () => {
    const created = await call("POST", "/api/sessions", {
      language: "python",
      session_id: "rest-setup",
      persistent: true,
      setup: { commands: ["echo prepared > ready.txt"] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "rest-setup", language: "python", setup_status: "pending" });
    const done = await untilSetupDone("rest-setup");
    expect(done).toMatchObject({ setup_status: "completed", setup_result: { success: true, commands_run: 1 } });
    const run = await call("POST", "/api/sessions/rest-setup/run", { code: "print(open('ready.txt').read().strip())" });
    expect(run.body).toMatchObject({
      exit_code: 0,
      stdout: "prepared\n",
      session_id: "rest-setup",
      timed_out: false,
      truncated: false,
    });
    expect(typeof run.body.duration).toBe("number");
  });

  it("refuses a taken id with 409 { error, id }, a bad id and a missing or unknown language with 400", async () => {
    await call("POST", "/api/sessions", { language: "node", session_id: "rest-taken" });
    const taken = await call("POST", "/api/sessions", { language: "node", session_id: "rest-taken" });
    expect(taken).toMatchObject({ status: 409, body: { error: "session_exists", id: "rest-taken" } });
    const badId = await call("POST", "/api/sessions", { language: "node", session_id: "no spaces!" });
    expect(badId.status).toBe(400);
    expect(badId.body.message).toContain("session ids use 1 to 64 letters, digits, - and _");
    expect((await call("POST", "/api/sessions", { session_id: "x" })).body).toMatchObject({ error: "invalid_request" });
    const unknown = await call("POST", "/api/sessions", { language: "cobol" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('unknown language "cobol"');
    const badSetup = await call("POST", "/api/sessions", { language: "python", setup: { pip: ["requests; rm -rf /"] } });
    expect(badSetup.status).toBe(400);
    expect(JSON.stringify(badSetup.body.details)).toContain("setup.pip.0");
  });

  it("gets, lists, patches and deletes; afterwards GET is 404 and the id can be created again", async () => {
    await call("POST", "/api/sessions", { language: "bash", session_id: "rest-crud", metadata: { owner: "docs" } });
    expect((await call("GET", "/api/sessions/rest-crud")).body).toMatchObject({ id: "rest-crud", metadata: { owner: "docs" } });
    expect(((await call("GET", "/api/sessions")).body.sessions as Array<{ id: string }>).map((s) => s.id)).toContain("rest-crud");
    const patched = await call("PATCH", "/api/sessions/rest-crud", { default_timeout: 7, metadata: { owner: "ci" } });
    expect(patched.body).toMatchObject({ default_timeout: 7, metadata: { owner: "ci" } });
    expect((await call("PATCH", "/api/sessions/rest-crud", { default_timeout: -3 })).status).toBe(400);
    expect((await call("PATCH", "/api/sessions/rest-crud", {})).status).toBe(400);
    expect((await call("PATCH", "/api/sessions/rest-crud", { colour: "red" })).status).toBe(400);
    expect((await call("DELETE", "/api/sessions/rest-crud")).body).toEqual({ deleted: true, id: "rest-crud" });
    const gone = await call("GET", "/api/sessions/rest-crud");
    expect(gone).toMatchObject({ status: 404, body: { error: "not_found", message: "session rest-crud does not exist" } });
    expect((await call("DELETE", "/api/sessions/rest-crud")).status).toBe(404);
    expect((await call("POST", "/api/sessions", { language: "bash", session_id: "rest-crud" })).status).toBe(201);
  });
});

describe("REST: runs", () => {
  beforeAll(async () => {
    await call("POST", "/api/sessions", { language: "python", session_id: "rest-run" });
  });

  it("runs code with env and a timeout in seconds; env is never stored", async () => {
    const run = await call("POST", "/api/sessions/rest-run/run", {
      code: "import os\nprint(os.environ['API_KEY'])",
      env: { API_KEY: "secret123" },
    });
    expect(run.body).toMatchObject({ exit_code: 0, stdout: "secret123\n" });
    const slow = await call("POST", "/api/sessions/rest-run/run", { code: "import time\ntime.sleep(30)", timeout: 1 });
    expect(slow.body).toMatchObject({ exit_code: 124, timed_out: true });
    const runs = await call("GET", "/api/sessions/rest-run/runs");
    expect(JSON.stringify(runs.body)).not.toContain("secret123");
  });

  it("runs the stored entry file when no code is given, and says what to do when there is none", async () => {
    const none = await call("POST", "/api/sessions/rest-run/run", {});
    expect(none).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    expect(none.body.message).toContain("entry_file");
    await call("PUT", "/api/sessions/rest-run/files/app.py", "print('from the entry file')", { "content-type": "text/plain" });
    await call("PATCH", "/api/sessions/rest-run", { entry_file: "app.py" });
    expect((await call("POST", "/api/sessions/rest-run/run", {})).body).toMatchObject({ stdout: "from the entry file\n" });
  });

  it("streams stdout and stderr as server-sent events, then done", async () => {
    const response = await fetch(`${server.url}/api/sessions/rest-run/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        code: "import sys\nprint('out', flush=True)\nprint('err', file=sys.stderr, flush=True)\nsys.exit(4)",
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await response.text())
      .trim()
      .split("\n\n")
      .map((block) => ({
        event: /^event: (.+)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? "null") as Record<string, unknown>,
      }));
    expect(events.map((e) => e.event).sort()).toEqual(["done", "stderr", "stdout"]);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { exit_code: 4 } });
    expect(events.find((e) => e.event === "stdout")?.data).toEqual({ data: "out\n", encoding: "utf8" });
  });

  it("runs one-shot code with language aliases", async () => {
    for (const [language, code, out] of [
      ["js", "console.log('js')", "js\n"],
      ["javascript", "console.log('javascript')", "javascript\n"],
      ["py", "print('py')", "py\n"],
      ["ts", "const t: string = 'ts'; console.log(t)", "ts\n"],
      ["golang", 'package main\nimport "fmt"\nfunc main() { fmt.Println("golang") }', "golang\n"],
    ]) {
      expect((await call("POST", "/api/execute", { language, code })).body, language).toMatchObject({
        exit_code: 0,
        stdout: out,
      });
    }
    expect((await call("POST", "/api/execute", { language: "brainfuck", code: "+" })).status).toBe(400);
    expect((await call("POST", "/api/execute", { language: "py" })).status).toBe(400);
  });
});

describe("REST: shells", () => {
  beforeAll(async () => {
    await call("POST", "/api/sessions", { language: "bash", session_id: "rest-shell" });
  });

  it("creates, lists, uses and deletes shells", async () => {
    const created = await call("POST", "/api/sessions/rest-shell/shells", {});
    expect(created.status).toBe(201);
    const shell = created.body.shell_id as string;
    await call("POST", "/api/sessions/rest-shell/exec", { command: "cd /tmp && export SEEN=1", shell_id: shell });
    const again = await call("POST", "/api/sessions/rest-shell/exec", { command: "pwd; echo $SEEN", shell_id: shell });
    expect(again.body).toMatchObject({ stdout: "/tmp\n1\n", exit_code: 0, shell_id: shell });
    expect(typeof again.body.duration_ms).toBe("number");
    const other = await call("POST", "/api/sessions/rest-shell/exec", { command: "pwd; echo ${SEEN:-none}", timeout: 5 });
    expect(other.body).toMatchObject({ stdout: "/workspace\nnone\n", shell_id: "default" });
    expect(
      ((await call("GET", "/api/sessions/rest-shell/shells")).body.shells as Array<{ shell_id: string }>).map((s) => s.shell_id),
    ).toContain(shell);
    expect((await call("DELETE", `/api/sessions/rest-shell/shells/${shell}`)).status).toBe(200);
    expect((await call("DELETE", `/api/sessions/rest-shell/shells/${shell}`)).status).toBe(404);
    expect((await call("POST", "/api/sessions/rest-shell/exec", { command: "" })).status).toBe(400);
    expect((await call("POST", "/api/sessions/rest-shell/exec", { command: "true", shell_id: "bad id" })).status).toBe(400);
    expect((await call("POST", "/api/sessions/nope/exec", { command: "true" })).status).toBe(404);
  });
});

describe("REST: files", () => {
  beforeAll(async () => {
    await call("POST", "/api/sessions", { language: "python", session_id: "rest-files" });
  });

  it("writes, reads, lists and deletes files", async () => {
    expect(
      (
        await call("PUT", "/api/sessions/rest-files/files/src/data.txt", "raw bytes\n", {
          "content-type": "application/octet-stream",
        })
      ).status,
    ).toBe(200);
    const jsonWrite = await call("PUT", "/api/sessions/rest-files/files/bin/x.sh", {
      content: Buffer.from("#!/bin/sh\necho hi\n").toString("base64"),
      encoding: "base64",
      mode: 0o755,
    });
    expect(jsonWrite.body).toMatchObject({ path: "bin/x.sh", type: "file", mode: 0o755 });
    const raw = await fetch(`${server.url}/api/sessions/rest-files/files/src/data.txt`);
    expect(await raw.text()).toBe("raw bytes\n");
    expect((await call("GET", "/api/sessions/rest-files/files/src/data.txt?format=json")).body).toMatchObject({
      content: "raw bytes\n",
      encoding: "utf8",
    });
    const list = await call("GET", "/api/sessions/rest-files/files");
    expect((list.body.files as Array<{ path: string }>).map((f) => f.path)).toEqual(
      expect.arrayContaining(["src", "src/data.txt", "bin/x.sh"]),
    );
    expect((await call("DELETE", "/api/sessions/rest-files/files/src/data.txt")).status).toBe(200);
    expect((await call("GET", "/api/sessions/rest-files/files/src/data.txt")).status).toBe(404);
    expect((await call("DELETE", "/api/sessions/rest-files/files/src")).status).toBe(200);
  });

  it("makes folders, moves, and refuses paths outside /workspace", async () => {
    expect((await call("POST", "/api/sessions/rest-files/directories", { path: "a/b" })).status).toBe(201);
    await call("PUT", "/api/sessions/rest-files/files/a/b/f.txt", "f", { "content-type": "text/plain" });
    expect((await call("POST", "/api/sessions/rest-files/move", { from: "a/b/f.txt", to: "a/g.txt" })).body).toMatchObject({
      path: "a/g.txt",
    });
    const outside = await call("GET", "/api/sessions/rest-files/files/..%2F..%2Fetc%2Fpasswd");
    expect(outside.status).toBe(400);
    expect(outside.body.message).toContain("outside /workspace");
    expect(
      (await call("PUT", "/api/sessions/rest-files/files/x.txt", "{bad json", { "content-type": "application/json" })).status,
    ).toBe(400);
  });

  it("downloads the workspace as tar.gz and duplicates the session with its files", async () => {
    await call("PUT", "/api/sessions/rest-files/files/keep.txt", "kept", { "content-type": "text/plain" });
    const archive = await fetch(`${server.url}/api/sessions/rest-files/archive`);
    expect(archive.headers.get("content-type")).toBe("application/gzip");
    expect(gunzipSync(Buffer.from(await archive.arrayBuffer())).includes("keep.txt")).toBe(true);
    const notGzip = await call("PUT", "/api/sessions/rest-files/archive", "PK\u0003\u0004 a zip", {
      "content-type": "application/gzip",
    });
    expect(notGzip).toMatchObject({ status: 400, body: { message: "the archive is not gzip-compressed (.tar.gz)" } });
    const fork = await call("POST", "/api/sessions/rest-files/duplicate", { id: "rest-files-copy" });
    expect(fork).toMatchObject({ status: 201, body: { id: "rest-files-copy", forked_from: "rest-files" } });
    expect(await (await fetch(`${server.url}/api/sessions/rest-files-copy/files/keep.txt`)).text()).toBe("kept");
    expect((await call("POST", "/api/sessions/rest-files/duplicate", { id: "rest-files-copy" })).status).toBe(409);
    expect((await call("POST", "/api/sessions/nope/duplicate", {})).status).toBe(404);
  });
});

describe("REST: errors and documents", () => {
  it("answers unknown endpoints, wrong methods, bad JSON and huge bodies with JSON errors", async () => {
    expect(await call("GET", "/api/nothing-here")).toMatchObject({ status: 404, body: { error: "not_found" } });
    const wrong = await call("PUT", "/api/sessions");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("POST");
    expect((await call("POST", "/api/sessions", "{not json")).body).toMatchObject({ error: "invalid_json" });
    const huge = await call("POST", "/api/sessions", { language: "python", metadata: { blob: "x".repeat(3 * 1024 * 1024) } });
    expect(huge).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
    expect(
      (await call("POST", "/api/sessions", "language=python", { "content-type": "application/x-www-form-urlencoded" })).status,
    ).toBe(415);
  });

  it("reports the limits sandboxes run under", async () => {
    const limits = await call("GET", "/api/limits");
    expect(limits.body).toMatchObject({
      memory_mb: 512,
      pids: 256,
      tmp_mb: 128,
      // A volume of its own on this host (root, loop devices): the size is enforced.
      workspace_mb: 1024,
      output_bytes_per_stream: 1_048_576,
      default_run_timeout: 30,
      idle_timeout: 600,
      network: "none",
    });
  });

  it("publishes an OpenAPI 3.1 document generated from the schemas", async () => {
    const doc = await call("GET", "/api/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    const paths = doc.body.paths as Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>
    >;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(["/api/sessions", "/api/sessions/{id}/run", "/api/execute", "/api/sessions/{id}/exec"]),
    );
    expect(Object.keys(paths["/api/sessions"]?.post?.requestBody?.content["application/json"]?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(["language", "session_id", "setup", "default_timeout", "metadata"]),
    );
  });
});
