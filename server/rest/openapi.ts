import { z } from "zod";
import packageJson from "@/package.json" with { type: "json" };
import {
  createSessionSchema,
  createShellSchema,
  duplicateSchema,
  execSchema,
  executeSchema,
  mkdirSchema,
  moveFileSchema,
  runSchema,
  updateSessionSchema,
  writeFileSchema,
} from "@/lib/api/schemas";
import {
  errorResponseSchema,
  execResponseSchema,
  fileEntrySchema,
  runResponseSchema,
  sessionResponseSchema,
  setupResultSchema,
} from "@/lib/api/responses";

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: "input" | "output" = "output"): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Json;
  return rest;
};

const errors = (...statuses: number[]): Json =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: ERROR_TEXT[status] ?? "error",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: "invalid input; `details` names each field",
  401: "an API key is needed or was not valid",
  404: "no such session (or file, or shell)",
  409: "the session id is taken",
  413: "the body is too large",
  429: "rate limit reached; see Retry-After",
  503: "a part of Sandpit is down; see /api/health",
};

const ok = (description: string, ref: string, status = "200"): Json => ({
  [status]: { description, content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } } },
});
const jsonBody = (s: z.ZodType): Json => ({ required: true, content: { "application/json": { schema: schema(s, "input") } } });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const pathParam = {
  name: "path",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: "a path inside /workspace",
};

/** The OpenAPI 3.1 document of the REST API, built from the same zod schemas the server validates with. */
export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "Sandpit API",
      version: packageJson.version,
      description:
        "Sessions with persistent workspaces, asynchronous setups, runs, shells and files. Every `timeout` is in seconds. When API keys are configured, send `Authorization: Bearer <key>`.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: schema(errorResponseSchema),
        Session: schema(sessionResponseSchema),
        SetupResult: schema(setupResultSchema),
        RunResult: schema(runResponseSchema),
        ExecResult: schema(execResponseSchema),
        FileEntry: schema(fileEntrySchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/sessions": {
        get: {
          summary: "List sessions, newest first",
          responses: {
            "200": {
              description: "sessions",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { sessions: { type: "array", items: { $ref: "#/components/schemas/Session" } } },
                  },
                },
              },
            },
            ...errors(401, 429),
          },
        },
        post: {
          summary: "Create a session (setup runs asynchronously: setup_status starts as pending)",
          requestBody: jsonBody(createSessionSchema),
          responses: { ...ok("the new session", "Session", "201"), ...errors(400, 401, 409, 413, 429) },
        },
      },
      "/api/sessions/{id}": {
        parameters: [idParam],
        get: {
          summary: "Get a session, with its setup status and result",
          responses: { ...ok("the session", "Session"), ...errors(404) },
        },
        patch: {
          summary: "Change default_timeout, metadata, entry_file, persistent or template",
          requestBody: jsonBody(updateSessionSchema),
          responses: { ...ok("the session", "Session"), ...errors(400, 404) },
        },
        delete: {
          summary: "Delete the session and everything it holds; its id is free afterwards",
          responses: { "200": { description: "deleted" }, ...errors(404) },
        },
      },
      "/api/sessions/{id}/setup": {
        parameters: [idParam],
        get: {
          summary: "The setup's live status, steps and result",
          responses: { ...ok("setup", "SetupResult"), ...errors(404) },
        },
      },
      "/api/sessions/{id}/setup/retry": {
        parameters: [idParam],
        post: {
          summary: "Run a failed setup again",
          responses: { ...ok("setup queued", "SetupResult", "202"), ...errors(404, 409) },
        },
      },
      "/api/sessions/{id}/run": {
        parameters: [idParam],
        post: {
          summary: "Run code (or the entry file) and wait for the result; env is never stored",
          requestBody: jsonBody(runSchema),
          responses: { ...ok("the run's result", "RunResult"), ...errors(400, 404, 503) },
        },
      },
      "/api/sessions/{id}/stream": {
        parameters: [idParam],
        post: {
          summary: "Run code and stream its output as server-sent events: stdout, stderr, then one done",
          requestBody: jsonBody(runSchema),
          responses: {
            "200": { description: "text/event-stream", content: { "text/event-stream": { schema: { type: "string" } } } },
            ...errors(400, 404),
          },
        },
      },
      "/api/sessions/{id}/runs": {
        parameters: [idParam],
        get: { summary: "Recent runs (metadata only)", responses: { "200": { description: "runs" }, ...errors(404) } },
      },
      "/api/sessions/{id}/duplicate": {
        parameters: [idParam],
        post: {
          summary: "Fork: same layer, a copy of the workspace",
          requestBody: jsonBody(duplicateSchema),
          responses: { ...ok("the fork", "Session", "201"), ...errors(400, 404, 409) },
        },
      },
      "/api/sessions/{id}/exec": {
        parameters: [idParam],
        post: {
          summary: "Run a command in a stateful shell (cwd, env, functions persist)",
          requestBody: jsonBody(execSchema),
          responses: { ...ok("the command's result", "ExecResult"), ...errors(400, 404) },
        },
      },
      "/api/sessions/{id}/shells": {
        parameters: [idParam],
        get: { summary: "List shells", responses: { "200": { description: "shells" }, ...errors(404) } },
        post: {
          summary: "Create a shell",
          requestBody: jsonBody(createShellSchema),
          responses: { "201": { description: "{ shell_id }" }, ...errors(400, 404, 409) },
        },
      },
      "/api/sessions/{id}/shells/{shell}": {
        parameters: [idParam, { name: "shell", in: "path", required: true, schema: { type: "string" } }],
        delete: { summary: "Delete a shell", responses: { "200": { description: "deleted" }, ...errors(404) } },
      },
      "/api/sessions/{id}/files": {
        parameters: [
          idParam,
          { name: "path", in: "query", schema: { type: "string" } },
          { name: "recursive", in: "query", schema: { type: "boolean" } },
        ],
        get: {
          summary: "List workspace files",
          responses: { "200": { description: "{ files: FileEntry[] }" }, ...errors(400, 404) },
        },
      },
      "/api/sessions/{id}/files/{path}": {
        parameters: [idParam, pathParam],
        get: {
          summary: "Read a file (raw bytes, or JSON with ?format=json)",
          responses: { "200": { description: "the file" }, ...errors(400, 404) },
        },
        put: {
          summary: "Write a file: raw bytes, or JSON { content, encoding, mode }; parents are created",
          requestBody: jsonBody(writeFileSchema),
          responses: { ...ok("the file", "FileEntry"), ...errors(400, 404, 413) },
        },
        delete: {
          summary: "Delete a file (or a folder with ?recursive=true)",
          responses: { "200": { description: "deleted" }, ...errors(400, 404) },
        },
      },
      "/api/sessions/{id}/directories": {
        parameters: [idParam],
        post: {
          summary: "Create a folder",
          requestBody: jsonBody(mkdirSchema),
          responses: { ...ok("the folder", "FileEntry", "201"), ...errors(400, 404) },
        },
      },
      "/api/sessions/{id}/move": {
        parameters: [idParam],
        post: {
          summary: "Move or rename a file or folder",
          requestBody: jsonBody(moveFileSchema),
          responses: { ...ok("the moved entry", "FileEntry"), ...errors(400, 404, 409) },
        },
      },
      "/api/sessions/{id}/archive": {
        parameters: [idParam],
        get: {
          summary: "Download the workspace as tar.gz",
          responses: { "200": { description: "application/gzip" }, ...errors(404) },
        },
        put: {
          summary: "Unpack a tar.gz into the workspace",
          responses: { "200": { description: "{ files }" }, ...errors(400, 404, 413) },
        },
      },
      "/api/limits": {
        get: {
          summary:
            "The limits every sandbox runs under (memory, CPUs, processes, /tmp, /workspace (null: not bounded), files, output, timeouts in seconds)",
          responses: { "200": { description: "limits" } },
        },
      },
      "/api/execute": {
        post: {
          summary: "One-shot run in a throwaway sandbox",
          requestBody: jsonBody(executeSchema),
          responses: { ...ok("the run's result", "RunResult"), ...errors(400, 429, 503) },
        },
      },
    },
  };
}
