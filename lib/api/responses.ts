import { z } from "zod";
import { egressPolicySchema } from "@/lib/egress";
import { LANGUAGE_IDS } from "@/lib/languages";

// Response shapes of the API: the source of the services' view types (z.infer below), of the
// OpenAPI document and of the REST boundary, which answers only what these declare.

export const errorResponseSchema = z.object({
  error: z.string().meta({ description: "a short code, such as not_found or invalid_request" }),
  message: z.string().meta({ description: "what went wrong and what to do about it" }),
  details: z.array(z.string()).optional().meta({ description: "one line per invalid field" }),
  id: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

export const setupStatusValues = ["pending", "running", "completed", "failed"] as const;

export const setupStepSchema = z.object({
  name: z.enum(["pip", "npm", "go", "commands"]),
  status: z.enum(["pending", "running", "completed", "failed", "skipped"]),
  started_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  log: z.string().meta({ description: "the last lines of the step's output, live while it runs" }),
  exit_code: z.number().nullable(),
});
export type SetupStepRecord = z.infer<typeof setupStepSchema>;

export const layerSchema = z.object({ key: z.string(), bytes: z.number(), files: z.number(), cache_hit: z.boolean() });
export type LayerRecord = z.infer<typeof layerSchema>;

export const setupResultSchema = z.object({
  status: z.enum(setupStatusValues),
  success: z.boolean().nullable(),
  duration_ms: z.number().nullable(),
  pip_packages: z.array(z.string()),
  npm_packages: z.array(z.string()),
  go_modules: z.array(z.string()),
  commands_run: z.number(),
  error: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  steps: z.array(setupStepSchema),
  layer: layerSchema.nullable(),
  queued_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  note: z.string().nullable(),
});
/** A setup as the API shows it; ERA's field names, plus steps and the layer. */
export type SetupView = z.infer<typeof setupResultSchema>;

export const sessionResponseSchema = z.object({
  id: z.string(),
  language: z.enum(LANGUAGE_IDS),
  persistent: z.boolean(),
  default_timeout: z
    .number()
    .meta({ description: "seconds: the owner's choice, else the server's configured default as it is now" }),
  default_timeout_source: z
    .enum(["session", "server"])
    .meta({ description: "session: the owner chose default_timeout; server: it follows the configured default" }),
  metadata: z.record(z.string(), z.unknown()),
  entry_file: z.string().nullable(),
  name: z
    .string()
    .nullable()
    .meta({ description: "what people call the session: its owner's title, or a student's display name on a class copy" }),
  template: z.boolean(),
  share_previews: z.boolean().meta({ description: "whether share links' visitors may open the session's previews" }),
  forked_from: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_active_at: z.string(),
  setup_status: z.enum(["none", ...setupStatusValues]),
  setup: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: "the setup spec, with env values hidden: they are for the setup only" }),
  setup_result: setupResultSchema.nullable(),
  sandbox: z.object({
    state: z.enum(["running", "hibernated", "none"]),
    snapshot_at: z.string().nullable().meta({
      description:
        "when the latest snapshot of the workspace was taken (at hibernation, and in the background while the sandbox runs); null before the first",
    }),
  }),
  recovered: z
    .object({
      at: z.string().meta({ description: "when another server took the session over" }),
      snapshot_at: z
        .string()
        .nullable()
        .meta({ description: "the time of the snapshot it came back from; null: it had none and came back without its files" }),
      from_node: z.string().meta({ description: "the server that stopped answering" }),
    })
    .nullable()
    .meta({
      description:
        "set when the session's server stopped answering and another one took it over from its latest snapshot: work after snapshot_at was lost. null when that never happened",
    }),
  egress: egressPolicySchema.meta({ description: 'where the sandbox may connect: "none", "registries" or { allow: [...] }' }),
  egress_secrets: z.array(
    z.object({
      host: z.string(),
      header: z.string(),
      https: z.boolean(),
      unreadable: z.boolean().meta({
        description: "the value was sealed under another server key and is not sent; set egress_secrets again",
      }),
      problem: z.string().nullable().meta({ description: "why the secret is not sent, for its owner" }),
    }),
  ),
  egress_usage: z
    .object({ bytes_in: z.number(), bytes_out: z.number(), connections: z.number(), denied: z.number(), open: z.number() })
    .meta({ description: "egress since this server started" }),
  egress_status: z.object({ state: z.enum(["off", "on", "failed"]), problem: z.string().nullable() }).meta({
    description:
      "whether the running sandbox has the network proxy: off (no sandbox, or egress none), on, or failed with the reason",
  }),
});
/** A session as the API shows it (snake_case, as in ERA's API). */
export type SessionView = z.infer<typeof sessionResponseSchema>;

const encoding = z.enum(["utf8", "base64"]);

const outputFields = {
  stdout: z.string(),
  stderr: z.string(),
  stdout_encoding: encoding.meta({ description: "base64 when the output is not valid UTF-8" }),
  stderr_encoding: encoding,
  exit_code: z.number().meta({ description: "124 when the run timed out" }),
  timed_out: z.boolean(),
  truncated: z.boolean().meta({ description: "output passed the per-stream cap and was cut" }),
};

export const displayOutputSchema = z.object({
  mime: z.enum([
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "text/html",
    "text/markdown",
    "text/plain",
  ]),
  data: z.string().meta({ description: "base64" }),
});
export type DisplayOutputView = z.infer<typeof displayOutputSchema>;

export const runResponseSchema = z.object({
  run_id: z.string(),
  session_id: z.string(),
  ...outputFields,
  duration: z.number().meta({ description: "milliseconds" }),
  duration_ms: z.number(),
  outputs: z.array(displayOutputSchema).meta({
    description:
      "what the program showed besides its text (matplotlib's plt.show(), sandpit_display.display(), or files written into $SANDPIT_DISPLAY), in order",
  }),
  outputs_skipped: z
    .number()
    .optional()
    .meta({ description: "items left out: past 16 items, 2 MiB each or 8 MiB in all, or of a kind not shown" }),
});
/** A run as the API answers it: ERA's fields, plus a few more. */
export type RunView = z.infer<typeof runResponseSchema>;

export const executeResponseSchema = runResponseSchema.omit({ session_id: true });
export type ExecuteView = z.infer<typeof executeResponseSchema>;

export const execResponseSchema = z.object({
  shell_id: z.string(),
  ...outputFields,
  duration_ms: z.number(),
  shell_ended: z.boolean(),
  restarted: z.boolean(),
  message: z.string().optional(),
});
export type ExecView = z.infer<typeof execResponseSchema>;

export const runRecordSchema = z.object({
  id: z.string(),
  language: z.string(),
  source: z.string(),
  exit_code: z.number().nullable(),
  duration_ms: z.number().nullable(),
  timed_out: z.boolean(),
  truncated: z.boolean(),
  created_at: z.string(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** One event of a streamed run: output as text when it is UTF-8, else base64; `done` ends it. */
export const runOutputEventSchema = z.object({ data: z.string(), encoding });
export const runDoneEventSchema = z.object({
  run_id: z.string(),
  exit_code: z.number(),
  duration_ms: z.number(),
  timed_out: z.boolean(),
  truncated: z.boolean(),
});

export const fileEntrySchema = z.object({
  path: z.string().meta({ description: "relative to /workspace" }),
  type: z.enum(["file", "directory", "symlink", "other"]),
  size: z.number(),
  mtimeMs: z.number(),
  mode: z.number(),
});

export const fileContentSchema = z.object({
  path: z.string(),
  size: z.number(),
  mode: z.number(),
  encoding: encoding.meta({ description: "base64 when the file is not valid UTF-8" }),
  content: z.string(),
});

export const shellSchema = z.object({
  shell_id: z.string(),
  alive: z.boolean(),
  busy: z.boolean(),
  cwd: z.string().nullable(),
});
export type ShellView = z.infer<typeof shellSchema>;

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  rate_limit: z.number().meta({ description: "requests a minute" }),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKeyInfo = z.infer<typeof apiKeySchema>;

export const nodeSchema = z.object({
  id: z.string(),
  address: z.string().meta({ description: "the URL other nodes reach it at (SANDPIT_NODE_ADDRESS)" }),
  state: z.enum(["alive", "stopped", "lost"]).meta({
    description: "alive: heartbeat younger than three intervals; stopped: shut down cleanly; lost: heartbeat too old",
  }),
  capacity: z.number().meta({ description: "sandboxes it offers to hold (SANDPIT_MAX_SANDBOXES)" }),
  sandboxes: z.number().meta({ description: "sandboxes open on it at its last heartbeat" }),
  heartbeat_interval: z.number().meta({ description: "seconds between its heartbeats" }),
  started_at: z.string(),
  heartbeat_at: z.string(),
  stopped_at: z.string().nullable(),
});
export type NodeView = z.infer<typeof nodeSchema>;

export const limitsSchema = z.object({
  memory_mb: z.number(),
  cpus: z.number(),
  pids: z.number(),
  tmp_mb: z.number(),
  workspace_mb: z.number().nullable().meta({ description: "null: not bounded" }),
  nofile: z.number(),
  fsize_mb: z.number(),
  output_bytes_per_stream: z.number(),
  default_run_timeout: z.number().meta({ description: "seconds; applies to sessions that chose no default_timeout" }),
  max_run_timeout: z.number().meta({ description: "seconds; the most any run, session or execute may ask for" }),
  file_bytes: z.number().meta({ description: "the largest file written or uploaded through the API" }),
  idle_timeout: z.number().meta({ description: "seconds" }),
  setup_timeout: z.number().meta({ description: "seconds" }),
  setup_concurrency: z.number(),
  network: z.literal("none"),
});

/** The terminal's stream: `data` (with `seq`, also the event id), `gap` when output was dropped, `exit`. */
export const terminalDataEventSchema = z.object({ seq: z.number(), data: z.string() });
export const terminalGapEventSchema = z.object({ from: z.number(), to: z.number(), bytes: z.number().optional() });
export const terminalExitEventSchema = z.object({ code: z.number() });
