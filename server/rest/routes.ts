import "server-only";
import { Readable } from "node:stream";
import type { z } from "zod";
import type { RouteName, Routes, RouteSpec } from "@/lib/api/contract";
import { openApiDocument } from "@/lib/api/openapi";
import { writeFileSchema } from "@/lib/api/schemas";
import { API_LIMITS, RUN_TIMEOUT } from "@/lib/limits";
import { HttpRequestError } from "@/server/errors";
import { encodeOutput } from "@/server/sandbox/output";
import { toStreamEvent, type RunEvent } from "@/server/sandbox/runs";
import type { Services } from "@/server/services";
import type { Identity } from "@/server/sessions/caller";
import type { Terminal } from "@/server/sessions/terminals";
import { parseInput } from "@/server/sessions/validation";
import { hostPort } from "@/server/preview/names";
import { RELAYED_HEADER } from "@/lib/api/session-route";
import { eventStream, readBody } from "./http";

/** `/a/:id/b/*path` → "id" | "path". */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : P extends `${string}*${infer Name}`
      ? Name
      : never;

type QueryOf<R> = R extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
/** A JSON-only body arrives validated; a route that takes raw bytes reads its body itself. */
type BodyOf<R> = R extends { body: { raw: string } }
  ? undefined
  : R extends { body: { json: infer S extends z.ZodType } }
    ? z.output<S>
    : undefined;
/** What a handler gives back: its JSON body (checked against the table's schema), a Response of its own, or nothing for 204. */
type ReplyOf<R> = R extends { success: { json: infer S extends z.ZodType } }
  ? z.input<S> | Response
  : R extends { success: { status: 204 } }
    ? undefined
    : Response;

export interface RouteContext<R extends RouteSpec = RouteSpec> {
  request: Request;
  url: URL;
  services: Services;
  /** Who is calling; every service call on a session gets it and decides access itself. */
  caller: Identity;
  params: Record<ParamNames<R["path"]>, string>;
  query: QueryOf<R>;
  body: BodyOf<R>;
}

export type Handler<R extends RouteSpec> = (ctx: RouteContext<R>) => Promise<ReplyOf<R>>;

/**
 * The Host the browser used: another node that sent the request on addressed it to this node, and
 * said the browser's in X-Forwarded-Host (previews follow the port Sandpit was reached by).
 */
function browserHost(headers: Headers): string | null {
  return (headers.get(RELAYED_HEADER) !== null && headers.get("x-forwarded-host")) || headers.get("host");
}

async function* runEvents(events: AsyncGenerator<RunEvent>): AsyncGenerator<[string, unknown]> {
  for await (const event of events) {
    const { type, ...data } = toStreamEvent(event);
    yield [type === "exit" ? "done" : type, data];
  }
}

/** A PTY's output as a run's events: the terminal's `data` is the run's `stdout`. */
async function* runOutput(events: ReturnType<Terminal["output"]>): AsyncGenerator<[string, unknown]> {
  for await (const [event, data] of events) yield [event === "data" ? "stdout" : event, data];
}

let document: Record<string, unknown> | undefined;

/** The REST API's handlers, one for each route of lib/api/contract.ts (the type makes sure none is missing). */
export const handlers: { [N in RouteName]: Handler<Routes[N]> } = {
  getOpenApi: () => Promise.resolve((document ??= openApiDocument())),
  getLimits: ({ services }) => {
    const { limits, idleTimeoutMs, setup } = services.config;
    // The limits every sandbox runs under, as configured; times in seconds as everywhere in the API.
    return Promise.resolve({
      memory_mb: limits.memoryMb,
      cpus: limits.cpus,
      pids: limits.pids,
      tmp_mb: limits.tmpMb,
      workspace_mb: services.sandboxes.workspaces.sizeMb,
      nofile: limits.nofile,
      fsize_mb: limits.fsizeMb,
      output_bytes_per_stream: limits.outputBytes,
      default_run_timeout: limits.runTimeoutMs / 1000,
      max_run_timeout: RUN_TIMEOUT.maxSeconds,
      file_bytes: API_LIMITS.fileBytes,
      idle_timeout: idleTimeoutMs / 1000,
      setup_timeout: setup.timeoutMs / 1000,
      setup_concurrency: setup.concurrency,
      network: "none" as const,
    });
  },

  // Administration, with the local admin token (see server/auth/admin-token.ts); used by `npm run keys`.
  listKeys: async ({ services }) => ({ keys: await services.apiKeys.list() }),
  createKey: async ({ services, body }) => {
    const { key, info } = await services.apiKeys.create(body.name, body.rate_limit ?? services.config.api.rateLimitPerMinute);
    return { key, ...info };
  },
  revokeKey: async ({ services, params }) => {
    const revoked = await services.apiKeys.revoke(params.key);
    if (!revoked) throw new HttpRequestError(404, "not_found", `no active key ${params.key}`);
    return revoked;
  },

  listNodes: async ({ services }) => ({ nodes: await services.nodes.list() }),

  listSessions: async ({ services, caller, query }) => ({
    sessions: await services.sessions.list(caller, { limit: query.limit }),
  }),
  createSession: async ({ services, caller, body }) => services.sessions.create(caller, body),
  getSession: async ({ services, caller, params }) => services.sessions.get(caller, params.id),
  updateSession: async ({ services, caller, params, body }) => services.sessions.update(caller, params.id, body),
  deleteSession: async ({ services, caller, params }) => {
    await services.sessions.delete(caller, params.id);
    return { deleted: true, id: params.id };
  },
  duplicateSession: async ({ services, caller, params, body }) => services.sessions.fork(caller, params.id, { id: body.id }),
  publishTemplate: async ({ services, caller, params }) => services.templateUpdates.publish(caller, params.id),
  getClassUpdates: async ({ services, caller, params }) => services.templateUpdates.status(caller, params.id),
  getSetup: async ({ services, caller, params }) => (await services.sessions.get(caller, params.id)).setup_result,
  editSetup: async ({ services, caller, params, body }) => services.sessions.editSetup(caller, params.id, body),
  retrySetup: async ({ services, caller, params }) => services.sessions.retrySetup(caller, params.id),

  runCode: async ({ services, caller, params, body }) => services.actions.run(caller, params.id, body),
  streamRun: async ({ services, caller, params, body, request }) =>
    eventStream(runEvents(await services.actions.runStream(caller, params.id, body)), request.signal),
  listPorts: async ({ services, caller, params, request }) => ({
    ports: await services.previews.ports(caller, params.id, { requestPort: hostPort(browserHost(request.headers)) }),
  }),
  getAssignment: async ({ services, caller, params }) => services.checks.assignment(caller, params.id),
  setAssignment: async ({ services, caller, params, body }) => services.checks.setAssignment(caller, params.id, body),
  getClassReadiness: async ({ services, caller, params }) => services.sessions.classReadiness(caller, params.id),
  prepareClass: async ({ services, caller, params, body }) => services.sessions.prepareClass(caller, params.id, body),
  runCheck: async ({ services, caller, params }) => services.checks.check(caller, params.id),
  listChecks: async ({ services, caller, params }) => {
    const status = await services.checks.status(caller, params.id);
    return { ...status, checks: status.available ? await services.checks.history(caller, params.id) : [] };
  },
  listRuns: async ({ services, caller, params }) => ({ runs: await services.actions.recentRuns(caller, params.id) }),
  startRun: async ({ services, caller, params, body }) => ({
    run_id: (await services.actions.startInteractiveRun(caller, params.id, body)).runId,
  }),
  runStdin: async ({ services, caller, params, request }) => {
    const run = await services.actions.interactiveRun(caller, params.id, params.run);
    run.write(await readBody(request, API_LIMITS.terminalInputBytes));
    return undefined;
  },
  runEvents: async ({ services, caller, params, query, request }) => {
    const run = await services.actions.interactiveRun(caller, params.id, params.run);
    const after = Number(request.headers.get("last-event-id") ?? query.after ?? 0) || 0;
    return eventStream(runOutput(run.output(after, request.signal)), request.signal, (event, data) =>
      event === "stdout" ? String((data as { seq: number }).seq) : undefined,
    );
  },
  stopRun: async ({ services, caller, params }) => ({
    stopped: await services.actions.stopRun(caller, params.id, params.run),
  }),
  execute: async ({ services, body }) => services.actions.execute(body),

  exec: async ({ services, caller, params, body }) => services.actions.exec(caller, params.id, body),
  createShell: async ({ services, caller, params, body }) => services.actions.createShell(caller, params.id, body.shell_id),
  listShells: async ({ services, caller, params }) => ({ shells: await services.actions.listShells(caller, params.id) }),
  deleteShell: async ({ services, caller, params }) => {
    await services.actions.deleteShell(caller, params.id, params.shell);
    return { deleted: true, shell_id: params.shell };
  },

  listFiles: async ({ services, caller, params, query }) => ({
    files: await services.actions.listFiles(caller, params.id, query.path, query.recursive === "true"),
  }),
  readFile: async ({ services, caller, params, query }) => {
    if (query.format === "raw") {
      // Raw bytes stream chunk by chunk from the sandbox: any size, bounded memory.
      const { stream, entry } = await services.actions.streamFile(caller, params.id, params.path);
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: { "content-type": "application/octet-stream", "x-file-mode": entry.mode.toString(8) },
      });
    }
    const { data, entry } = await services.actions.readFile(caller, params.id, params.path);
    const { text, encoding } = encodeOutput(data);
    return { path: entry.path, size: entry.size, mode: entry.mode, encoding, content: text };
  },
  writeFile: async ({ services, caller, params, request }) => {
    const raw = await readBody(request, API_LIMITS.fileBytes);
    const type = request.headers.get("content-type") ?? "";
    let data = raw;
    let mode: number | undefined;
    if (type.includes("application/json")) {
      let parsedBody: unknown;
      try {
        parsedBody = JSON.parse(raw.toString("utf8"));
      } catch (error) {
        throw new HttpRequestError(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
      }
      const value = parseInput(writeFileSchema, parsedBody);
      data = Buffer.from(value.content, value.encoding === "base64" ? "base64" : "utf8");
      mode = value.mode;
    }
    return services.actions.writeFile(caller, params.id, params.path, data, mode);
  },
  deleteFile: async ({ services, caller, params, query }) => {
    await services.actions.deleteFile(caller, params.id, params.path, query.recursive === "true");
    return { deleted: true, path: params.path };
  },
  makeDirectory: async ({ services, caller, params, body }) => services.actions.makeDirectory(caller, params.id, body.path),
  moveFile: async ({ services, caller, params, body }) => services.actions.moveFile(caller, params.id, body.from, body.to),
  downloadArchive: async ({ services, caller, params }) => {
    const archive = await services.actions.download(caller, params.id);
    return new Response(Readable.toWeb(archive) as ReadableStream, {
      headers: { "content-type": "application/gzip", "content-disposition": `attachment; filename="${params.id}.tar.gz"` },
    });
  },
  uploadArchive: async ({ services, caller, params, request }) => {
    const raw = await readBody(request, API_LIMITS.fileBytes);
    return services.actions.upload(caller, params.id, Readable.from([raw]));
  },

  openTerminal: async ({ services, caller, params, body }) => {
    const terminal = await services.actions.openTerminal(caller, params.id, {
      shell: body.shell_id,
      cols: body.cols,
      rows: body.rows,
    });
    return { terminal_id: terminal.id };
  },
  terminalOutput: async ({ services, caller, params, query, request }) => {
    const terminal = await services.actions.terminal(caller, params.id, params.terminal);
    const after = Number(request.headers.get("last-event-id") ?? query.after ?? 0) || 0;
    return eventStream(terminal.output(after, request.signal), request.signal, (event, data) =>
      event === "data" ? String((data as { seq: number }).seq) : undefined,
    );
  },
  terminalInput: async ({ services, caller, params, request }) => {
    const terminal = await services.actions.terminal(caller, params.id, params.terminal);
    terminal.write(await readBody(request, API_LIMITS.terminalInputBytes));
    return undefined;
  },
  resizeTerminal: async ({ services, caller, params, body }) => {
    const terminal = await services.actions.terminal(caller, params.id, params.terminal);
    await terminal.resize(body.cols, body.rows);
    return undefined;
  },
  closeTerminal: async ({ services, caller, params }) => {
    await services.actions.closeTerminal(caller, params.id, params.terminal);
    return { deleted: true };
  },
};
