import { z } from "zod";
import { egressPolicySchema } from "@/lib/egress";
import { LANGUAGE_IDS } from "@/lib/languages";

// Response shapes of the REST API, for the OpenAPI document and typed clients.

export const errorResponseSchema = z.object({
  error: z.string().meta({ description: "a short code, such as not_found or invalid_request" }),
  message: z.string().meta({ description: "what went wrong and what to do about it" }),
  details: z.array(z.string()).optional().meta({ description: "one line per invalid field" }),
  id: z.string().optional(),
});

const stepSchema = z.object({
  name: z.enum(["pip", "npm", "go", "commands"]),
  status: z.enum(["pending", "running", "completed", "failed", "skipped"]),
  started_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  log: z.string().meta({ description: "the last lines of the step's output, live while it runs" }),
  exit_code: z.number().nullable(),
});

export const setupResultSchema = z.object({
  status: z.enum(["pending", "running", "completed", "failed"]),
  success: z.boolean().nullable(),
  duration_ms: z.number().nullable(),
  pip_packages: z.array(z.string()),
  npm_packages: z.array(z.string()),
  go_modules: z.array(z.string()),
  commands_run: z.number(),
  error: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  steps: z.array(stepSchema),
  layer: z.object({ key: z.string(), bytes: z.number(), files: z.number(), cache_hit: z.boolean() }).nullable(),
  queued_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  note: z.string().nullable(),
});

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
  template: z.boolean(),
  forked_from: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_active_at: z.string(),
  setup_status: z.enum(["none", "pending", "running", "completed", "failed"]),
  setup: z.record(z.string(), z.unknown()).nullable(),
  setup_result: setupResultSchema.nullable(),
  sandbox: z.object({ state: z.enum(["running", "hibernated", "none"]) }),
  egress: egressPolicySchema.meta({ description: 'where the sandbox may connect: "none", "registries" or { allow: [...] }' }),
  egress_secrets: z.array(z.object({ host: z.string(), header: z.string(), https: z.boolean() })),
  egress_usage: z
    .object({ bytes_in: z.number(), bytes_out: z.number(), connections: z.number(), denied: z.number(), open: z.number() })
    .meta({ description: "egress since this server started" }),
});

const outputFields = {
  stdout: z.string(),
  stderr: z.string(),
  stdout_encoding: z.enum(["utf8", "base64"]).meta({ description: "base64 when the output is not valid UTF-8" }),
  stderr_encoding: z.enum(["utf8", "base64"]),
  exit_code: z.number().meta({ description: "124 when the run timed out" }),
  timed_out: z.boolean(),
  truncated: z.boolean().meta({ description: "output passed the per-stream cap and was cut" }),
};

export const runResponseSchema = z.object({
  run_id: z.string(),
  session_id: z.string(),
  ...outputFields,
  duration: z.number().meta({ description: "milliseconds" }),
  duration_ms: z.number(),
});

export const execResponseSchema = z.object({
  shell_id: z.string(),
  ...outputFields,
  duration_ms: z.number(),
  shell_ended: z.boolean(),
  restarted: z.boolean(),
  message: z.string().optional(),
});

export const fileEntrySchema = z.object({
  path: z.string(),
  type: z.enum(["file", "directory", "symlink", "other"]),
  size: z.number(),
  mtimeMs: z.number(),
  mode: z.number(),
});
