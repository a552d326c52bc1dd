import "server-only";
import { Readable } from "node:stream";
import {
  createKeySchema,
  createShellSchema,
  duplicateSchema,
  mkdirSchema,
  moveFileSchema,
  terminalSchema,
  writeFileSchema,
} from "@/lib/api/schemas";
import { API_LIMITS, RUN_TIMEOUT } from "@/lib/limits";
import { HttpRequestError } from "@/server/errors";
import { encodeOutput } from "@/server/sandbox/output";
import { toStreamEvent, type RunEvent } from "@/server/sandbox/runs";
import type { Services } from "@/server/services";
import type { Identity } from "@/server/sessions/caller";
import { parseInput } from "@/server/sessions/validation";
import { openApiDocument } from "./openapi";
import { eventStream, json, readBody, readJson } from "./http";

export interface RouteContext {
  request: Request;
  params: Record<string, string>;
  url: URL;
  services: Services;
  /** Who is calling; every service call on a session gets it and decides access itself. */
  caller: Identity;
}

type Handler = (ctx: RouteContext) => Promise<Response>;

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  pattern: string;
  handler: Handler;
}

const body = (ctx: RouteContext): Promise<unknown> => readJson(ctx.request, API_LIMITS.bodyBytes);
const id = (ctx: RouteContext): string => ctx.params.id ?? "";

async function* runEvents(events: AsyncGenerator<RunEvent>): AsyncGenerator<[string, unknown]> {
  for await (const event of events) {
    const { type, ...data } = toStreamEvent(event);
    yield [type === "exit" ? "done" : type, data];
  }
}

/** The REST API: ERA-compatible session endpoints, shells, files, one-shot runs. */
export const routes: Route[] = [
  { method: "GET", pattern: "/api/openapi.json", handler: () => Promise.resolve(json(200, openApiDocument())) },
  {
    method: "GET",
    pattern: "/api/limits",
    handler: (ctx) => {
      const { limits, idleTimeoutMs, setup } = ctx.services.config;
      // The limits every sandbox runs under, as configured; times in seconds as everywhere in the API.
      return Promise.resolve(
        json(200, {
          memory_mb: limits.memoryMb,
          cpus: limits.cpus,
          pids: limits.pids,
          tmp_mb: limits.tmpMb,
          workspace_mb: ctx.services.sandboxes.workspaces.sizeMb,
          nofile: limits.nofile,
          fsize_mb: limits.fsizeMb,
          output_bytes_per_stream: limits.outputBytes,
          default_run_timeout: limits.runTimeoutMs / 1000,
          max_run_timeout: RUN_TIMEOUT.maxSeconds,
          file_bytes: API_LIMITS.fileBytes,
          idle_timeout: idleTimeoutMs / 1000,
          setup_timeout: setup.timeoutMs / 1000,
          setup_concurrency: setup.concurrency,
          network: "none",
        }),
      );
    },
  },

  // Administration, with the local admin token (see server/auth/admin-token.ts); used by `npm run keys`.
  { method: "GET", pattern: "/api/admin/keys", handler: async (ctx) => json(200, { keys: await ctx.services.apiKeys.list() }) },
  {
    method: "POST",
    pattern: "/api/admin/keys",
    handler: async (ctx) => {
      const value = parseInput(createKeySchema, await body(ctx));
      const { key, info } = await ctx.services.apiKeys.create(
        value.name,
        value.rate_limit ?? ctx.services.config.api.rateLimitPerMinute,
      );
      return json(201, { key, ...info });
    },
  },
  {
    method: "DELETE",
    pattern: "/api/admin/keys/:key",
    handler: async (ctx) => {
      const revoked = await ctx.services.apiKeys.revoke(ctx.params.key ?? "");
      if (!revoked) return json(404, { error: "not_found", message: `no active key ${ctx.params.key}` });
      return json(200, revoked);
    },
  },

  {
    method: "GET",
    pattern: "/api/sessions",
    handler: async (ctx) =>
      json(200, {
        sessions: await ctx.services.sessions.list(ctx.caller, { limit: Number(ctx.url.searchParams.get("limit") ?? 50) }),
      }),
  },
  {
    method: "POST",
    pattern: "/api/sessions",
    handler: async (ctx) => json(201, await ctx.services.sessions.create(ctx.caller, (await body(ctx)) as never)),
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id",
    handler: async (ctx) => json(200, await ctx.services.sessions.get(ctx.caller, id(ctx))),
  },
  {
    method: "PATCH",
    pattern: "/api/sessions/:id",
    handler: async (ctx) => json(200, await ctx.services.sessions.update(ctx.caller, id(ctx), (await body(ctx)) as never)),
  },
  {
    method: "DELETE",
    pattern: "/api/sessions/:id",
    handler: async (ctx) => {
      await ctx.services.sessions.delete(ctx.caller, id(ctx));
      return json(200, { deleted: true, id: id(ctx) });
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/duplicate",
    handler: async (ctx) => {
      const value = parseInput(duplicateSchema, await body(ctx));
      return json(201, await ctx.services.sessions.fork(ctx.caller, id(ctx), { id: value.id }));
    },
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/setup",
    handler: async (ctx) => json(200, (await ctx.services.sessions.get(ctx.caller, id(ctx))).setup_result),
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/setup/retry",
    handler: async (ctx) => {
      return json(202, await ctx.services.sessions.retrySetup(ctx.caller, id(ctx)));
    },
  },

  {
    method: "POST",
    pattern: "/api/sessions/:id/run",
    handler: async (ctx) => json(200, await ctx.services.actions.run(ctx.caller, id(ctx), (await body(ctx)) as never)),
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/stream",
    handler: async (ctx) =>
      eventStream(
        runEvents(await ctx.services.actions.runStream(ctx.caller, id(ctx), (await body(ctx)) as never)),
        ctx.request.signal,
      ),
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/runs",
    handler: async (ctx) => json(200, { runs: await ctx.services.actions.recentRuns(ctx.caller, id(ctx)) }),
  },
  {
    method: "POST",
    pattern: "/api/execute",
    handler: async (ctx) => json(200, await ctx.services.actions.execute(await body(ctx))),
  },

  {
    method: "POST",
    pattern: "/api/sessions/:id/exec",
    handler: async (ctx) => json(200, await ctx.services.actions.exec(ctx.caller, id(ctx), await body(ctx))),
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/shells",
    handler: async (ctx) =>
      json(
        201,
        await ctx.services.actions.createShell(ctx.caller, id(ctx), parseInput(createShellSchema, await body(ctx)).shell_id),
      ),
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/shells",
    handler: async (ctx) => json(200, { shells: await ctx.services.actions.listShells(ctx.caller, id(ctx)) }),
  },
  {
    method: "DELETE",
    pattern: "/api/sessions/:id/shells/:shell",
    handler: async (ctx) => {
      await ctx.services.actions.deleteShell(ctx.caller, id(ctx), ctx.params.shell ?? "");
      return json(200, { deleted: true, shell_id: ctx.params.shell });
    },
  },

  {
    method: "GET",
    pattern: "/api/sessions/:id/files",
    handler: async (ctx) => {
      const dir = ctx.url.searchParams.get("path") ?? ".";
      const recursive = ctx.url.searchParams.get("recursive") !== "false";
      return json(200, { files: await ctx.services.actions.listFiles(ctx.caller, id(ctx), dir, recursive) });
    },
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/files/*path",
    handler: async (ctx) => {
      if (ctx.url.searchParams.get("format") !== "json") {
        // Raw bytes stream chunk by chunk from the sandbox: any size, bounded memory.
        const { stream, entry } = await ctx.services.actions.streamFile(ctx.caller, id(ctx), ctx.params.path ?? "");
        return new Response(Readable.toWeb(stream) as ReadableStream, {
          headers: { "content-type": "application/octet-stream", "x-file-mode": entry.mode.toString(8) },
        });
      }
      const { data, entry } = await ctx.services.actions.readFile(ctx.caller, id(ctx), ctx.params.path ?? "");
      const { text, encoding } = encodeOutput(data);
      return json(200, { path: entry.path, size: entry.size, mode: entry.mode, encoding, content: text });
    },
  },
  {
    method: "PUT",
    pattern: "/api/sessions/:id/files/*path",
    handler: async (ctx) => {
      const raw = await readBody(ctx.request, API_LIMITS.fileBytes);
      const type = ctx.request.headers.get("content-type") ?? "";
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
      return json(200, await ctx.services.actions.writeFile(ctx.caller, id(ctx), ctx.params.path ?? "", data, mode));
    },
  },
  {
    method: "DELETE",
    pattern: "/api/sessions/:id/files/*path",
    handler: async (ctx) => {
      await ctx.services.actions.deleteFile(
        ctx.caller,
        id(ctx),
        ctx.params.path ?? "",
        ctx.url.searchParams.get("recursive") === "true",
      );
      return json(200, { deleted: true, path: ctx.params.path });
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/directories",
    handler: async (ctx) => {
      const value = parseInput(mkdirSchema, await body(ctx));
      return json(201, await ctx.services.actions.makeDirectory(ctx.caller, id(ctx), value.path));
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/move",
    handler: async (ctx) => {
      const value = parseInput(moveFileSchema, await body(ctx));
      return json(200, await ctx.services.actions.moveFile(ctx.caller, id(ctx), value.from, value.to));
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/terminals",
    handler: async (ctx) => {
      const value = parseInput(terminalSchema, await body(ctx));
      const terminal = await ctx.services.actions.openTerminal(ctx.caller, id(ctx), {
        shell: value.shell_id,
        cols: value.cols,
        rows: value.rows,
      });
      return json(201, { terminal_id: terminal.id });
    },
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/terminals/:terminal/output",
    handler: async (ctx) => {
      const terminal = await ctx.services.actions.terminal(ctx.caller, id(ctx), ctx.params.terminal ?? "");
      const after = Number(ctx.request.headers.get("last-event-id") ?? ctx.url.searchParams.get("after") ?? 0) || 0;
      return eventStream(terminal.output(after, ctx.request.signal), ctx.request.signal, (event, data) =>
        event === "data" ? String((data as { seq: number }).seq) : undefined,
      );
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/terminals/:terminal/input",
    handler: async (ctx) => {
      const terminal = await ctx.services.actions.terminal(ctx.caller, id(ctx), ctx.params.terminal ?? "");
      terminal.write(await readBody(ctx.request, API_LIMITS.terminalInputBytes));
      return new Response(null, { status: 204 });
    },
  },
  {
    method: "POST",
    pattern: "/api/sessions/:id/terminals/:terminal/resize",
    handler: async (ctx) => {
      const value = parseInput(terminalSchema.pick({ cols: true, rows: true }), await body(ctx));
      const terminal = await ctx.services.actions.terminal(ctx.caller, id(ctx), ctx.params.terminal ?? "");
      await terminal.resize(value.cols, value.rows);
      return new Response(null, { status: 204 });
    },
  },
  {
    method: "DELETE",
    pattern: "/api/sessions/:id/terminals/:terminal",
    handler: async (ctx) => {
      await ctx.services.actions.closeTerminal(ctx.caller, id(ctx), ctx.params.terminal ?? "");
      return json(200, { deleted: true });
    },
  },
  {
    method: "GET",
    pattern: "/api/sessions/:id/archive",
    handler: async (ctx) => {
      const archive = await ctx.services.actions.download(ctx.caller, id(ctx));
      return new Response(Readable.toWeb(archive) as ReadableStream, {
        headers: { "content-type": "application/gzip", "content-disposition": `attachment; filename="${id(ctx)}.tar.gz"` },
      });
    },
  },
  {
    method: "PUT",
    pattern: "/api/sessions/:id/archive",
    handler: async (ctx) => {
      const raw = await readBody(ctx.request, API_LIMITS.fileBytes);
      return json(200, await ctx.services.actions.upload(ctx.caller, id(ctx), Readable.from([raw])));
    },
  },
];
