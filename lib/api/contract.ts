import { z } from "zod";
import { setupSpecSchema } from "@/lib/setup/spec";
import { assignmentInputSchema, assignmentSchema, checkResultSchema, checkStatusSchema } from "@/lib/checks/assignment";

/** Sandboxes kept ready for a class (PUT/GET /api/sessions/{id}/class-readiness). */
const classReadinessSchema = z.object({
  students: z.number().int().meta({
    description: "how many are kept ready (the pool's maximum bounds the count asked for); 0 when none was asked or it expired",
  }),
  ready: z.number().int().meta({ description: "how many are ready now" }),
});
import {
  createKeySchema,
  createSessionSchema,
  createShellSchema,
  duplicateSchema,
  execSchema,
  executeSchema,
  mkdirSchema,
  moveFileSchema,
  runSchema,
  terminalSchema,
  updateSessionSchema,
  writeFileSchema,
} from "./schemas";
import {
  apiKeySchema,
  nodeSchema,
  execResponseSchema,
  executeResponseSchema,
  fileContentSchema,
  fileEntrySchema,
  limitsSchema,
  runDoneEventSchema,
  runOutputEventSchema,
  runRecordSchema,
  runResponseSchema,
  sessionResponseSchema,
  setupResultSchema,
  shellSchema,
  terminalDataEventSchema,
  terminalExitEventSchema,
  terminalGapEventSchema,
} from "./responses";
import { classUpdatesSchema, publishResultSchema } from "./class-updates";

/**
 * The REST API, each route declared once: REST dispatch (server/rest/router.ts), the OpenAPI
 * document (lib/api/openapi.ts) and the handlers' types (server/rest/routes.ts) derive from it.
 */

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** public: no key; admin: the local admin token; caller: an API key (when keys are in use) or a browser's cookie. */
export type Access = "public" | "admin" | "caller";
export type RawMediaType = "application/octet-stream" | "application/gzip";
/** Statuses a route declares it can fail with; the router adds those its inputs and access imply. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 503;

export interface BodySpec {
  /** A JSON body, validated by the router before the handler runs (unless `raw` is accepted too). */
  json?: z.ZodType;
  /** Raw bytes of this type, read by the handler itself. */
  raw?: RawMediaType;
  description?: string;
}

export interface SuccessSpec {
  status: 200 | 201 | 202 | 204;
  description: string;
  /** A JSON body; the router answers only what this schema declares. */
  json?: z.ZodType;
  /** Raw bytes of this type (a download); with `json` too, a query parameter picks which. */
  raw?: RawMediaType;
  /** Server-sent events by event name, each with its `data` shape. */
  events?: Record<string, z.ZodType>;
  headers?: Record<string, string>;
}

export interface RouteSpec {
  method: Method;
  /** `:name` is one path segment, `*name` the rest of the path. */
  path: string;
  summary: string;
  tags: readonly string[];
  access: Access;
  query?: z.ZodObject;
  body?: BodySpec;
  success: SuccessSpec;
  errors: readonly ErrorStatus[];
}

/** Path parameters' descriptions in the document (each is a string). */
export const PATH_PARAMS: Record<string, string> = {
  id: "the session's id",
  path: "a path inside /workspace",
  shell: "the shell's id",
  terminal: "the terminal's id",
  run: "the run's id",
  key: "the key's id or prefix",
};

const booleanText = z.enum(["true", "false"]);
const deletedSchema = z.object({ deleted: z.literal(true) });

export const routes = {
  getOpenApi: {
    method: "GET",
    path: "/api/openapi.json",
    summary: "This document",
    tags: ["meta"],
    access: "public",
    success: { status: 200, description: "the OpenAPI 3.1 document", json: z.record(z.string(), z.unknown()) },
    errors: [],
  },
  getLimits: {
    method: "GET",
    path: "/api/limits",
    summary:
      "The limits every sandbox runs under (memory, CPUs, processes, /tmp, /workspace (null: not bounded), files, output, timeouts in seconds)",
    tags: ["meta"],
    access: "caller",
    success: { status: 200, description: "the limits", json: limitsSchema },
    errors: [],
  },

  listKeys: {
    method: "GET",
    path: "/api/admin/keys",
    summary: "List API keys (administration, used by npm run keys)",
    tags: ["admin"],
    access: "admin",
    success: { status: 200, description: "the keys", json: z.object({ keys: z.array(apiKeySchema) }) },
    errors: [],
  },
  createKey: {
    method: "POST",
    path: "/api/admin/keys",
    summary: "Create an API key; the key itself is shown only in this answer",
    tags: ["admin"],
    access: "admin",
    body: { json: createKeySchema },
    success: { status: 201, description: "the new key", json: apiKeySchema.extend({ key: z.string() }) },
    errors: [],
  },
  revokeKey: {
    method: "DELETE",
    path: "/api/admin/keys/:key",
    summary: "Revoke an API key",
    tags: ["admin"],
    access: "admin",
    success: { status: 200, description: "the revoked key", json: apiKeySchema },
    errors: [404],
  },
  listNodes: {
    method: "GET",
    path: "/api/admin/nodes",
    summary: "The Sandpit nodes sharing this database: address, state, capacity, open sandboxes, heartbeat (administration)",
    tags: ["admin"],
    access: "admin",
    success: { status: 200, description: "the nodes, alive ones first", json: z.object({ nodes: z.array(nodeSchema) }) },
    errors: [],
  },

  listSessions: {
    method: "GET",
    path: "/api/sessions",
    summary: "List sessions, newest first",
    tags: ["sessions"],
    access: "caller",
    query: z.object({
      limit: z.coerce.number().int().optional().meta({ description: "how many, 1 to 200 (default 50)" }),
    }),
    success: { status: 200, description: "the sessions", json: z.object({ sessions: z.array(sessionResponseSchema) }) },
    errors: [],
  },
  createSession: {
    method: "POST",
    path: "/api/sessions",
    summary: "Create a session (setup runs asynchronously: setup_status starts as pending)",
    tags: ["sessions"],
    access: "caller",
    body: { json: createSessionSchema },
    success: { status: 201, description: "the new session", json: sessionResponseSchema },
    errors: [409, 503],
  },
  getSession: {
    method: "GET",
    path: "/api/sessions/:id",
    summary: "Get a session, with its setup status and result",
    tags: ["sessions"],
    access: "caller",
    success: { status: 200, description: "the session", json: sessionResponseSchema },
    errors: [404],
  },
  updateSession: {
    method: "PATCH",
    path: "/api/sessions/:id",
    summary: "Change default_timeout, metadata, entry_file, persistent or template",
    tags: ["sessions"],
    access: "caller",
    body: { json: updateSessionSchema },
    success: { status: 200, description: "the session", json: sessionResponseSchema },
    errors: [404],
  },
  deleteSession: {
    method: "DELETE",
    path: "/api/sessions/:id",
    summary: "Delete the session and everything it holds; its id is free afterwards",
    tags: ["sessions"],
    access: "caller",
    success: { status: 200, description: "deleted", json: deletedSchema.extend({ id: z.string() }) },
    errors: [404, 503],
  },
  duplicateSession: {
    method: "POST",
    path: "/api/sessions/:id/duplicate",
    summary: "Fork: same layer, a copy of the workspace",
    tags: ["sessions"],
    access: "caller",
    body: { json: duplicateSchema },
    success: { status: 201, description: "the fork", json: sessionResponseSchema },
    errors: [404, 409, 503],
  },
  publishTemplate: {
    method: "POST",
    path: "/api/sessions/:id/publish",
    summary:
      "Publish a class template's files as they are now to its students' copies: new and changed files reach each copy where the student has not edited them; removed files go where the student left them as they were; edited files are left alone and reported as conflicts (the template's owner only)",
    tags: ["classroom"],
    access: "caller",
    success: { status: 200, description: "what each copy received, and what was left alone", json: publishResultSchema },
    errors: [400, 404, 413, 503],
  },
  getClassUpdates: {
    method: "GET",
    path: "/api/sessions/:id/updates",
    summary:
      "The class template's last published version, and where each student's copy stands against it (the template's owner only)",
    tags: ["classroom"],
    access: "caller",
    success: { status: 200, description: "the copies' update states", json: classUpdatesSchema },
    errors: [404],
  },
  getSetup: {
    method: "GET",
    path: "/api/sessions/:id/setup",
    summary: "The setup's live status, steps and result (null when the session has none)",
    tags: ["setup"],
    access: "caller",
    success: { status: 200, description: "the setup", json: setupResultSchema.nullable() },
    errors: [404],
  },
  editSetup: {
    method: "PATCH",
    path: "/api/sessions/:id/setup",
    summary:
      "Replace the setup and run it as a new layer: runs keep the current layer until it completes (and if it fails); the workspace keeps its files",
    tags: ["setup"],
    access: "caller",
    body: { json: setupSpecSchema },
    success: { status: 202, description: "the new setup, queued (or completed from a stored layer)", json: setupResultSchema },
    errors: [404, 409],
  },
  retrySetup: {
    method: "POST",
    path: "/api/sessions/:id/setup/retry",
    summary: "Run a failed setup again",
    tags: ["setup"],
    access: "caller",
    success: { status: 202, description: "the setup, queued", json: setupResultSchema },
    errors: [404, 409],
  },

  runCode: {
    method: "POST",
    path: "/api/sessions/:id/run",
    summary: "Run code (or the entry file) and wait for the result; env is never stored",
    tags: ["runs"],
    access: "caller",
    body: { json: runSchema },
    success: { status: 200, description: "the run's result", json: runResponseSchema },
    errors: [404, 409, 503],
  },
  streamRun: {
    method: "POST",
    path: "/api/sessions/:id/stream",
    summary: "Run code and stream its output as server-sent events: stdout and stderr, then one done (or error)",
    tags: ["runs"],
    access: "caller",
    body: { json: runSchema },
    success: {
      status: 200,
      description: "the run's output as it happens",
      events: { stdout: runOutputEventSchema, stderr: runOutputEventSchema, done: runDoneEventSchema },
    },
    errors: [404, 409, 503],
  },
  listRuns: {
    method: "GET",
    path: "/api/sessions/:id/runs",
    summary: "Recent runs (metadata only)",
    tags: ["runs"],
    access: "caller",
    success: { status: 200, description: "the runs, newest first", json: z.object({ runs: z.array(runRecordSchema) }) },
    errors: [404],
  },
  startRun: {
    method: "POST",
    path: "/api/sessions/:id/runs",
    summary:
      "Start an interactive run on a terminal (PTY) and answer its id at once: type into it with /stdin, read /events, end it with /stop",
    tags: ["runs"],
    access: "caller",
    body: { json: runSchema },
    success: { status: 202, description: "the run, started", json: z.object({ run_id: z.string() }) },
    errors: [404, 409, 503],
  },
  runStdin: {
    method: "POST",
    path: "/api/sessions/:id/runs/:run/stdin",
    summary: "Type into an interactive run's terminal (at most 64 KiB a call); \\x03 is Ctrl+C, \\x04 is Ctrl+D (EOF)",
    tags: ["runs"],
    access: "caller",
    body: { raw: "application/octet-stream", description: "the bytes to type" },
    success: { status: 204, description: "sent" },
    errors: [404, 409],
  },
  runEvents: {
    method: "GET",
    path: "/api/sessions/:id/runs/:run/events",
    summary:
      "An interactive run's output as server-sent events (the terminal merges stderr into stdout); Last-Event-ID (or ?after) resumes after that seq",
    tags: ["runs"],
    access: "caller",
    query: z.object({ after: z.string().optional().meta({ description: "the last seq seen" }) }),
    success: {
      status: 200,
      description: "stdout (base64) with its seq as the event id, gap when output fell out of the replay buffer, exit",
      events: { stdout: terminalDataEventSchema, gap: terminalGapEventSchema, exit: terminalExitEventSchema },
    },
    errors: [404],
  },
  stopRun: {
    method: "POST",
    path: "/api/sessions/:id/runs/:run/stop",
    summary: "Stop a run: its whole process tree, answered once every process of it is gone",
    tags: ["runs"],
    access: "caller",
    success: { status: 200, description: "whether the run was still going", json: z.object({ stopped: z.boolean() }) },
    errors: [404],
  },
  execute: {
    method: "POST",
    path: "/api/execute",
    summary: "One-shot run in a throwaway sandbox",
    tags: ["runs"],
    access: "caller",
    body: { json: executeSchema },
    success: { status: 200, description: "the run's result", json: executeResponseSchema },
    errors: [503],
  },

  exec: {
    method: "POST",
    path: "/api/sessions/:id/exec",
    summary: "Run a command in a stateful shell (cwd, env, functions persist)",
    tags: ["shells"],
    access: "caller",
    body: { json: execSchema },
    success: { status: 200, description: "the command's result", json: execResponseSchema },
    errors: [404, 409, 503],
  },
  createShell: {
    method: "POST",
    path: "/api/sessions/:id/shells",
    summary: "Create a shell",
    tags: ["shells"],
    access: "caller",
    body: { json: createShellSchema },
    success: { status: 201, description: "the shell", json: z.object({ shell_id: z.string() }) },
    errors: [404, 409, 503],
  },
  listShells: {
    method: "GET",
    path: "/api/sessions/:id/shells",
    summary: "List shells",
    tags: ["shells"],
    access: "caller",
    success: { status: 200, description: "the shells", json: z.object({ shells: z.array(shellSchema) }) },
    errors: [404],
  },
  deleteShell: {
    method: "DELETE",
    path: "/api/sessions/:id/shells/:shell",
    summary: "Delete a shell",
    tags: ["shells"],
    access: "caller",
    success: { status: 200, description: "deleted", json: deletedSchema.extend({ shell_id: z.string() }) },
    errors: [404],
  },

  listFiles: {
    method: "GET",
    path: "/api/sessions/:id/files",
    summary: "List workspace files",
    tags: ["files"],
    access: "caller",
    query: z.object({
      path: z.string().default(".").meta({ description: "the folder to list" }),
      recursive: booleanText.default("true"),
    }),
    success: { status: 200, description: "the files", json: z.object({ files: z.array(fileEntrySchema) }) },
    errors: [404, 503],
  },
  readFile: {
    method: "GET",
    path: "/api/sessions/:id/files/*path",
    summary: "Read a file: raw bytes (the mode in X-File-Mode), or JSON with ?format=json",
    tags: ["files"],
    access: "caller",
    query: z.object({ format: z.enum(["raw", "json"]).default("raw") }),
    success: {
      status: 200,
      description: "the file",
      raw: "application/octet-stream",
      json: fileContentSchema,
      headers: { "x-file-mode": "the file's mode in octal (raw answers)" },
    },
    errors: [404, 413, 503],
  },
  writeFile: {
    method: "PUT",
    path: "/api/sessions/:id/files/*path",
    summary: "Write a file: raw bytes, or JSON { content, encoding, mode }; parents are created",
    tags: ["files"],
    access: "caller",
    body: { json: writeFileSchema, raw: "application/octet-stream" },
    success: { status: 200, description: "the file", json: fileEntrySchema },
    errors: [404, 409, 503],
  },
  deleteFile: {
    method: "DELETE",
    path: "/api/sessions/:id/files/*path",
    summary: "Delete a file (or a folder with ?recursive=true)",
    tags: ["files"],
    access: "caller",
    query: z.object({ recursive: booleanText.default("false") }),
    success: { status: 200, description: "deleted", json: deletedSchema.extend({ path: z.string() }) },
    errors: [404, 409, 503],
  },
  makeDirectory: {
    method: "POST",
    path: "/api/sessions/:id/directories",
    summary: "Create a folder",
    tags: ["files"],
    access: "caller",
    body: { json: mkdirSchema },
    success: { status: 201, description: "the folder", json: fileEntrySchema },
    errors: [404, 409, 503],
  },
  moveFile: {
    method: "POST",
    path: "/api/sessions/:id/move",
    summary: "Move or rename a file or folder",
    tags: ["files"],
    access: "caller",
    body: { json: moveFileSchema },
    success: { status: 200, description: "the moved entry", json: fileEntrySchema },
    errors: [404, 409, 503],
  },
  downloadArchive: {
    method: "GET",
    path: "/api/sessions/:id/archive",
    summary: "Download the workspace as tar.gz",
    tags: ["files"],
    access: "caller",
    success: {
      status: 200,
      description: "the workspace",
      raw: "application/gzip",
      headers: { "content-disposition": 'attachment; filename="<id>.tar.gz"' },
    },
    errors: [404, 503],
  },
  uploadArchive: {
    method: "PUT",
    path: "/api/sessions/:id/archive",
    summary: "Unpack a tar.gz into the workspace",
    tags: ["files"],
    access: "caller",
    body: { raw: "application/gzip", description: "a tar.gz" },
    success: { status: 200, description: "how many files were unpacked", json: z.object({ files: z.number() }) },
    errors: [404, 503],
  },

  listPorts: {
    method: "GET",
    path: "/api/sessions/:id/ports",
    summary:
      "Ports programs in the sandbox listen on, each with a link that opens its preview (valid 10 minutes; it gives the browser a cookie for the preview's own origin)",
    tags: ["previews"],
    access: "caller",
    success: {
      status: 200,
      description: "the listening ports, lowest first; none while the sandbox is not running",
      json: z.object({
        ports: z.array(
          z.object({
            port: z.number().int(),
            url: z.string().meta({ description: "opens the preview: follow its redirect, keeping the cookie it sets" }),
            origin: z.string().meta({ description: "the preview's own origin, <port>--<label>.<preview domain>" }),
          }),
        ),
      }),
    },
    errors: [403, 404],
  },

  getAssignment: {
    method: "GET",
    path: "/api/sessions/:id/assignment",
    summary: "A class template's assignment: its test command, hidden files, feedback, time limit and deadline (its owner only)",
    tags: ["classroom"],
    access: "caller",
    success: { status: 200, description: "the assignment (empty when none was set)", json: assignmentSchema },
    errors: [400, 404],
  },
  setAssignment: {
    method: "PUT",
    path: "/api/sessions/:id/assignment",
    summary:
      "Set a template's assignment; fields left out stay, files replaces every hidden file. Hidden files live outside every workspace: Check lays them over a copy of the work",
    tags: ["classroom"],
    access: "caller",
    body: { json: assignmentInputSchema },
    success: { status: 200, description: "the assignment", json: assignmentSchema },
    errors: [400, 404],
  },
  getClassReadiness: {
    method: "GET",
    path: "/api/sessions/:id/class-readiness",
    summary: "How many sandboxes are kept ready for a template's students, and how many are ready now (its owner only)",
    tags: ["classroom"],
    access: "caller",
    success: { status: 200, description: "the class's readiness", json: classReadinessSchema },
    errors: [404],
  },
  prepareClass: {
    method: "PUT",
    path: "/api/sessions/:id/class-readiness",
    summary:
      "Get a class ready before its students arrive: sandboxes with the template's setup are started ahead, one at a time, so that students joining at once each start in one. Kept for `minutes` (default 30); asking again replaces the count",
    tags: ["classroom"],
    access: "caller",
    body: {
      json: z.object({
        students: z.number().int().min(1).max(500).meta({ description: "how many students are expected" }),
        minutes: z.number().int().min(1).max(240).optional().meta({ description: "how long to keep them ready (default 30)" }),
      }),
    },
    success: { status: 200, description: "the class's readiness", json: classReadinessSchema },
    errors: [400, 404],
  },
  runCheck: {
    method: "POST",
    path: "/api/sessions/:id/checks",
    summary:
      "Check: run the hidden tests of the session's class (or template) against a copy of its work now; pass or fail per test, with what the teacher lets students see",
    tags: ["classroom"],
    access: "caller",
    success: { status: 200, description: "the check", json: checkResultSchema },
    errors: [400, 403, 404, 503],
  },
  listChecks: {
    method: "GET",
    path: "/api/sessions/:id/checks",
    summary: "Whether the session can be checked, its deadline, and its checks, newest first",
    tags: ["classroom"],
    access: "caller",
    success: {
      status: 200,
      description: "status and checks",
      json: checkStatusSchema.extend({ checks: z.array(checkResultSchema) }),
    },
    errors: [403, 404],
  },

  openTerminal: {
    method: "POST",
    path: "/api/sessions/:id/terminals",
    summary: "Open a terminal (a pty) on a shell",
    tags: ["terminals"],
    access: "caller",
    body: { json: terminalSchema },
    success: { status: 201, description: "the terminal", json: z.object({ terminal_id: z.string() }) },
    errors: [404, 409, 503],
  },
  terminalOutput: {
    method: "GET",
    path: "/api/sessions/:id/terminals/:terminal/output",
    summary: "The terminal's output as server-sent events; Last-Event-ID (or ?after) resumes after that seq",
    tags: ["terminals"],
    access: "caller",
    query: z.object({ after: z.string().optional().meta({ description: "the last seq seen" }) }),
    success: {
      status: 200,
      description: "data (base64) with its seq as the event id, gap when output was dropped, exit",
      events: { data: terminalDataEventSchema, gap: terminalGapEventSchema, exit: terminalExitEventSchema },
    },
    errors: [404],
  },
  terminalInput: {
    method: "POST",
    path: "/api/sessions/:id/terminals/:terminal/input",
    summary: "Type into the terminal (at most 64 KiB a call)",
    tags: ["terminals"],
    access: "caller",
    body: { raw: "application/octet-stream", description: "the bytes to type" },
    success: { status: 204, description: "sent" },
    errors: [404],
  },
  resizeTerminal: {
    method: "POST",
    path: "/api/sessions/:id/terminals/:terminal/resize",
    summary: "Resize the terminal",
    tags: ["terminals"],
    access: "caller",
    body: { json: terminalSchema.pick({ cols: true, rows: true }) },
    success: { status: 204, description: "resized" },
    errors: [404],
  },
  closeTerminal: {
    method: "DELETE",
    path: "/api/sessions/:id/terminals/:terminal",
    summary: "Close the terminal",
    tags: ["terminals"],
    access: "caller",
    success: { status: 200, description: "closed", json: deletedSchema },
    errors: [404],
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

/** Every route with its name (the OpenAPI operationId), in the table's order. */
export function routeList(): Array<[RouteName, RouteSpec]> {
  return Object.entries(routes) as Array<[RouteName, RouteSpec]>;
}

/** The statuses a route can answer with besides its success: those declared plus those its inputs and access imply. */
export function errorStatuses(route: RouteSpec): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(route.errors);
  if (route.query || route.body?.json) statuses.add(400);
  if (route.body) statuses.add(413);
  if (route.body?.json && !route.body.raw) statuses.add(415);
  if (route.access === "caller") {
    statuses.add(401);
    statuses.add(429);
  }
  if (route.access === "admin") statuses.add(403);
  return [...statuses].sort((a, b) => a - b);
}

/** The names of a path's parameters, in order. */
export function pathParamNames(path: string): string[] {
  return path
    .split("/")
    .filter((part) => part.startsWith(":") || part.startsWith("*"))
    .map((part) => part.slice(1));
}

/** `/api/sessions/:id/files/*path` as OpenAPI writes it: `/api/sessions/{id}/files/{path}`. */
export function openApiPath(path: string): string {
  return path.replace(/[:*]([A-Za-z]+)/g, "{$1}");
}
