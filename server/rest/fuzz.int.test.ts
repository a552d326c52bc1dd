import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
  await restClient(server.url).call("POST", "/api/sessions", { language: "bash", session_id: "fuzz" });
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

/** Values shaped like the API's inputs, with the field names it knows, and anything else. */
const fieldNames = [
  "language",
  "session_id",
  "setup",
  "pip",
  "npm",
  "go",
  "commands",
  "envs",
  "code",
  "file",
  "env",
  "timeout",
  "args",
  "stdin",
  "command",
  "shell_id",
  "cwd",
  "id",
  "metadata",
  "default_timeout",
  "entry_file",
  "content",
  "encoding",
  "mode",
  "from",
  "to",
  "path",
  "requirements",
  "package_json",
];
const oddStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "../../etc/passwd",
    "/etc/shadow",
    "$(rm -rf /)",
    "; curl x",
    "`id`",
    "\u0000",
    "a".repeat(5000),
    "python",
    "py",
    "node",
    "-rf",
    "--index-url=http://x",
    "ms@2",
    "\u202e\u200b",
    "%2e%2e%2f",
  ),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    oddStrings,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("any"), { maxLength: 4 }),
    tie("object"),
  ),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string()), tie("any"), { maxKeys: 5 }),
})).any;

const endpoints: Array<[string, string]> = [
  ["POST", "/api/sessions"],
  ["PATCH", "/api/sessions/fuzz"],
  ["POST", "/api/sessions/fuzz/run"],
  ["POST", "/api/sessions/fuzz/exec"],
  ["POST", "/api/sessions/fuzz/shells"],
  ["POST", "/api/sessions/fuzz/duplicate"],
  ["POST", "/api/sessions/fuzz/directories"],
  ["POST", "/api/sessions/fuzz/move"],
  ["PUT", "/api/sessions/fuzz/files/x.txt"],
  ["POST", "/api/execute"],
  ["POST", "/api/sessions/fuzz/terminals"],
];

describe("Input fuzzing", () => {
  it("never answers a REST request with a 500, whatever the body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), value, async ([method, path], body) => {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        expect(response.status, `${method} ${path} ${JSON.stringify(body)} → ${text}`).toBeLessThan(500);
        expect(() => JSON.parse(text) as unknown).not.toThrow();
      }),
      { numRuns: 250 },
    );
  });

  it("refuses odd paths, ids and bodies clearly", async () => {
    await fc.assert(
      fc.asyncProperty(oddStrings, async (segment) => {
        for (const path of [
          `/api/sessions/${encodeURIComponent(segment)}`,
          `/api/sessions/fuzz/files/${encodeURIComponent(segment)}`,
        ]) {
          const response = await fetch(`${server.url}${path}`);
          expect(response.status, `${path} → ${response.status}`).toBeLessThan(500);
        }
      }),
      { numRuns: 100 },
    );
    const garbage = await fetch(`${server.url}/api/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "\u0000\u00ff{",
    });
    expect(garbage.status).toBe(400);
  });

  it("never answers a tRPC call with a 500", async () => {
    const procedures = [
      "sessions.create",
      "sessions.update",
      "runs.run",
      "shells.exec",
      "files.write",
      "shares.create",
      "shares.resolve",
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures), value, async (procedure, input) => {
        const response = await fetch(`${server.url}/api/trpc/${procedure}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: input }),
        });
        expect(response.status, `${procedure} ${JSON.stringify(input)} → ${await response.text()}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
