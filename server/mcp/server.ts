import "server-only";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { envSchema, execSchema, runSchema, sessionIdSchema, shellIdSchema, timeoutSchema } from "@/lib/api/schemas";
import { languageList } from "@/lib/languages";
import { RUN_TIMEOUT } from "@/lib/limits";
import packageJson from "@/package.json" with { type: "json" };
import { toApiError } from "@/server/errors";
import { encodeOutput } from "@/server/sandbox/output";
import type { Services } from "@/server/services";
import type { Identity } from "@/server/sessions/caller";
import type { EgressPolicy } from "@/lib/egress";

type ToolContent = { type: "text"; text: string } | { type: "image"; data: string; mimeType: string };
type ToolResult = { content: ToolContent[]; isError?: boolean };

/** Images MCP clients show as images; other outputs stay in the result's JSON. */
const MCP_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * A run's result for MCP: its JSON, with images a run showed (matplotlib's plt.show(), say) as
 * image content after it instead of base64 inside it.
 */
function runAnswer(result: { outputs: Array<{ mime: string; data: string }> }): ToolResult {
  const images = result.outputs.filter((output) => MCP_IMAGES.has(output.mime));
  const view = {
    ...result,
    outputs: result.outputs.map((output) =>
      MCP_IMAGES.has(output.mime) ? { mime: output.mime, shown: "as image content below" } : output,
    ),
  };
  return {
    content: [
      { type: "text", text: JSON.stringify(view, null, 2) },
      ...images.map((image) => ({ type: "image" as const, data: image.data, mimeType: image.mime })),
    ],
  };
}

const asText = (value: unknown): ToolResult => ({
  content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value, null, 2) }],
});

/** Runs a tool body; domain errors come back as tool errors with the API's message, not as crashes. */
async function answer<T>(work: () => Promise<T>, format: (value: T) => ToolResult = asText): Promise<ToolResult> {
  try {
    return format(await work());
  } catch (error) {
    const api = toApiError(error);
    return {
      content: [{ type: "text", text: `${api.error}: ${api.message}${api.details ? `\n${api.details.join("\n")}` : ""}` }],
      isError: true,
    };
  }
}

const sessionId = sessionIdSchema.describe("the session's id");
// The API's own field schemas, so MCP clients are held to (and shown) the same bounds as REST and tRPC.
const timeout = timeoutSchema
  .optional()
  .describe(`seconds, at most ${RUN_TIMEOUT.maxSeconds}; without it the session's default_timeout applies`);

/**
 * An MCP server exposing Sandpit's sessions to agent clients: one per request (stateless). Every
 * tool passes `caller` (the request's key or browser, or anonymous) to the services, which decide
 * access: without an identity a client reaches only what any anonymous caller can.
 */
// Checked by the session service (clear messages); loose here so a bad value reaches it.
const egressInput = z
  .union([z.string(), z.object({ allow: z.array(z.string()) })])
  .optional()
  .describe('"none", "registries" or { "allow": ["api.example.com", "*.example.com:8443"] }');

export function createMcpServer(services: Services, caller: Identity): McpServer {
  const server = new McpServer({ name: "sandpit", version: packageJson.version });

  server.registerTool(
    "create_session",
    {
      description:
        "Create a persistent sandbox session. Optional setup installs pip/npm/go packages once (asynchronously; poll get_session until setup_status is completed).",
      inputSchema: {
        language: z.string().describe(languageList()),
        session_id: z.string().optional().describe("letters, digits, - and _"),
        setup: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('e.g. { "pip": ["requests"], "npm": ["ms"], "commands": ["…"] }'),
        egress: egressInput,
      },
    },
    ({ language, session_id, setup, egress }) =>
      answer(() =>
        services.sessions.create(caller, { language, session_id, setup: setup, egress: egress as EgressPolicy | undefined }),
      ),
  );

  server.registerTool(
    "edit_setup",
    {
      description:
        "Replace a session's setup and run it again as a new layer (asynchronously; poll get_session). Runs keep the current packages until it completes, and if it fails; the workspace keeps its files.",
      inputSchema: {
        session_id: sessionId,
        setup: z.record(z.string(), z.unknown()).describe('e.g. { "pip": ["requests"], "npm": ["ms"], "commands": ["…"] }'),
      },
    },
    ({ session_id, setup }) => answer(() => services.sessions.editSetup(caller, session_id, setup)),
  );

  server.registerTool(
    "set_egress",
    {
      description:
        'Set where a session\'s sandbox may connect (HTTP and HTTPS through Sandpit\'s proxy): "none", "registries" (package registries) or { "allow": ["api.example.com", "*.example.com:8443"] }. Takes effect on the next connection.',
      inputSchema: { session_id: sessionId, egress: egressInput.unwrap() },
    },
    ({ session_id, egress }) => answer(() => services.sessions.update(caller, session_id, { egress: egress as EgressPolicy })),
  );

  server.registerTool(
    "get_session",
    {
      description:
        "Get a session: language, setup status and result, sandbox state and latest snapshot time, and `recovered` when its server stopped answering and it came back on another from an earlier snapshot.",
      inputSchema: { session_id: sessionId },
    },
    ({ session_id }) => answer(() => services.sessions.get(caller, session_id)),
  );

  server.registerTool(
    "run_code",
    {
      description:
        "Run code in a session with its language. env is passed to this run only and never stored (use it for secrets).",
      inputSchema: {
        session_id: sessionId,
        code: runSchema.shape.code.unwrap(),
        env: envSchema.optional(),
        timeout,
      },
    },
    ({ session_id, code, env, timeout }) =>
      answer(() => services.actions.run(caller, session_id, { code, env, timeout }), runAnswer),
  );

  server.registerTool(
    "exec_command",
    {
      description:
        "Run a shell command in a stateful bash shell of the session: cd, export and functions persist between calls of the same shell_id.",
      inputSchema: {
        session_id: sessionId,
        command: execSchema.shape.command,
        shell_id: shellIdSchema.optional(),
        cwd: execSchema.shape.cwd,
        timeout,
      },
    },
    ({ session_id, command, shell_id, cwd, timeout }) =>
      answer(() => services.actions.exec(caller, session_id, { command, shell_id, cwd, timeout })),
  );

  server.registerTool(
    "list_files",
    {
      description: "List files in the session's /workspace.",
      inputSchema: { session_id: sessionId, path: z.string().optional() },
    },
    ({ session_id, path }) => answer(() => services.actions.listFiles(caller, session_id, path ?? ".", true)),
  );

  server.registerTool(
    "read_file",
    {
      description: "Read a file from /workspace (text; binary files come back base64).",
      inputSchema: { session_id: sessionId, path: z.string() },
    },
    ({ session_id, path }) =>
      answer(async () => {
        const { data } = await services.actions.readFile(caller, session_id, path);
        const { text, encoding } = encodeOutput(data);
        return encoding === "utf8" ? text : `base64:${text}`;
      }),
  );

  server.registerTool(
    "write_file",
    {
      description: "Write a text file into /workspace, creating parent folders.",
      inputSchema: { session_id: sessionId, path: z.string(), content: z.string() },
    },
    ({ session_id, path, content }) =>
      answer(() => services.actions.writeFile(caller, session_id, path, Buffer.from(content, "utf8"))),
  );

  server.registerTool(
    "run_checks",
    {
      description:
        "Check the session's work: run its class's hidden tests (or a template's own) against a copy of its files now. Answers pass or fail per test, with the messages the teacher allows.",
      inputSchema: { session_id: sessionId },
    },
    ({ session_id }) => answer(() => services.checks.check(caller, session_id)),
  );

  server.registerTool(
    "publish_template_update",
    {
      description:
        "Publish a class template's files as they are now to its students' copies (the template's owner only): new and changed files reach each copy where the student has not edited them; files a student edited are left alone and reported as conflicts.",
      inputSchema: { session_id: sessionId },
    },
    ({ session_id }) => answer(() => services.templateUpdates.publish(caller, session_id)),
  );

  return server;
}
