import "server-only";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import packageJson from "@/package.json" with { type: "json" };
import { toApiError } from "@/server/errors";
import { encodeOutput } from "@/server/sandbox/output";
import type { Services } from "@/server/services";
import type { Identity } from "@/server/sessions/caller";

type ToolResult = { content: Array<{ type: "text"; text: string }>; isError?: boolean };

/** Runs a tool body; domain errors come back as tool errors with the API's message, not as crashes. */
async function answer(work: () => Promise<unknown>): Promise<ToolResult> {
  try {
    const value = await work();
    return { content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value, null, 2) }] };
  } catch (error) {
    const api = toApiError(error);
    return {
      content: [{ type: "text", text: `${api.error}: ${api.message}${api.details ? `\n${api.details.join("\n")}` : ""}` }],
      isError: true,
    };
  }
}

const sessionId = z.string().describe("the session's id");

/**
 * An MCP server exposing Sandpit's sessions to agent clients: one per request (stateless). Every
 * tool passes `caller` (the request's key or browser, or anonymous) to the services, which decide
 * access: without an identity a client reaches only what any anonymous caller can.
 */
export function createMcpServer(services: Services, caller: Identity): McpServer {
  const server = new McpServer({ name: "sandpit", version: packageJson.version });

  server.registerTool(
    "create_session",
    {
      description:
        "Create a persistent sandbox session. Optional setup installs pip/npm/go packages once (asynchronously; poll get_session until setup_status is completed).",
      inputSchema: {
        language: z.string().describe("python, node, typescript, go, deno or bash"),
        session_id: z.string().optional().describe("letters, digits, - and _"),
        setup: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('e.g. { "pip": ["requests"], "npm": ["ms"], "commands": ["…"] }'),
      },
    },
    ({ language, session_id, setup }) => answer(() => services.sessions.create(caller, { language, session_id, setup: setup })),
  );

  server.registerTool(
    "get_session",
    { description: "Get a session: language, setup status and result, sandbox state.", inputSchema: { session_id: sessionId } },
    ({ session_id }) => answer(() => services.sessions.get(caller, session_id)),
  );

  server.registerTool(
    "run_code",
    {
      description:
        "Run code in a session with its language. env is passed to this run only and never stored (use it for secrets). timeout is in seconds.",
      inputSchema: {
        session_id: sessionId,
        code: z.string(),
        env: z.record(z.string(), z.string()).optional(),
        timeout: z.number().optional(),
      },
    },
    ({ session_id, code, env, timeout }) => answer(() => services.actions.run(caller, session_id, { code, env, timeout })),
  );

  server.registerTool(
    "exec_command",
    {
      description:
        "Run a shell command in a stateful bash shell of the session: cd, export and functions persist between calls of the same shell_id.",
      inputSchema: {
        session_id: sessionId,
        command: z.string(),
        shell_id: z.string().optional(),
        cwd: z.string().optional(),
        timeout: z.number().optional(),
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

  return server;
}
