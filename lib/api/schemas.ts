import { z } from "zod";
import { LANGUAGE_ALIASES, LANGUAGE_IDS } from "@/lib/languages";
import { setupSpecSchema } from "@/lib/setup/spec";
import { egressPolicySchema, egressSecretsSchema } from "@/lib/egress";

/** Limits of request bodies and fields; each error says which was crossed. */
export const API_LIMITS = {
  bodyBytes: 2 * 1024 * 1024,
  fileBytes: 50 * 1024 * 1024,
  codeBytes: 1024 * 1024,
  metadataBytes: 16 * 1024,
  envVars: 64,
  envValueBytes: 32 * 1024,
  args: 256,
  maxTimeoutSeconds: 3600,
} as const;

export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "session ids use 1 to 64 letters, digits, - and _");

export const languageSchema = z
  .string({ error: `language is required: one of ${LANGUAGE_IDS.join(", ")}` })
  .transform((value, ctx) => {
    const id = LANGUAGE_ALIASES[value.trim().toLowerCase()];
    if (!id) {
      ctx.addIssue({ code: "custom", message: `unknown language "${value}"; use one of ${LANGUAGE_IDS.join(", ")}` });
      return z.NEVER;
    }
    return id;
  });

const timeoutSeconds = z
  .number({ error: "timeout is a number of seconds" })
  .positive("timeout must be more than 0 seconds")
  .max(API_LIMITS.maxTimeoutSeconds, `timeout is at most ${API_LIMITS.maxTimeoutSeconds} seconds`);

export const envSchema = z
  .record(
    z.string(),
    z.string().max(API_LIMITS.envValueBytes, `env values are limited to ${API_LIMITS.envValueBytes} characters`),
  )
  .superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > API_LIMITS.envVars) ctx.addIssue({ code: "custom", message: `at most ${API_LIMITS.envVars} env vars` });
    for (const name of names) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        ctx.addIssue({ code: "custom", path: [name], message: `"${name}" is not a valid env var name` });
    }
  });

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= API_LIMITS.metadataBytes, {
    error: `metadata is limited to ${API_LIMITS.metadataBytes} bytes of JSON`,
  });

const entryFileSchema = z.string().min(1).max(1024).nullable();

export const createSessionSchema = z
  .object({
    language: languageSchema,
    session_id: sessionIdSchema.optional(),
    persistent: z.boolean().default(true),
    setup: setupSpecSchema.optional(),
    default_timeout: timeoutSeconds.optional(),
    metadata: metadataSchema.optional(),
    entry_file: entryFileSchema.optional(),
    egress: egressPolicySchema.optional(),
    egress_secrets: egressSecretsSchema.optional(),
  })
  .strict();
export type CreateSessionInput = z.input<typeof createSessionSchema>;

export const updateSessionSchema = z
  .object({
    default_timeout: timeoutSeconds.optional(),
    metadata: metadataSchema.optional(),
    entry_file: entryFileSchema.optional(),
    persistent: z.boolean().optional(),
    template: z.boolean().optional(),
    egress: egressPolicySchema.optional(),
    egress_secrets: egressSecretsSchema.optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, {
    error: "nothing to update: give default_timeout, metadata, entry_file, persistent, template, egress or egress_secrets",
  });
export type UpdateSessionInput = z.input<typeof updateSessionSchema>;

export const runSchema = z
  .object({
    code: z.string().max(API_LIMITS.codeBytes, `code is limited to ${API_LIMITS.codeBytes} bytes`).optional(),
    file: z.string().min(1).max(1024).optional(),
    language: languageSchema.optional(),
    args: z
      .array(z.string().max(32 * 1024))
      .max(API_LIMITS.args, `at most ${API_LIMITS.args} args`)
      .optional(),
    stdin: z.string().max(API_LIMITS.codeBytes, `stdin is limited to ${API_LIMITS.codeBytes} bytes`).optional(),
    env: envSchema.optional(),
    timeout: timeoutSeconds.optional(),
  })
  .strict()
  .refine((value) => !(value.code !== undefined && value.file !== undefined), { error: "give code or file, not both" });
export type RunInput = z.input<typeof runSchema>;

export const executeSchema = z
  .object({
    language: languageSchema,
    code: z.string().max(API_LIMITS.codeBytes, `code is limited to ${API_LIMITS.codeBytes} bytes`),
    args: z
      .array(z.string().max(32 * 1024))
      .max(API_LIMITS.args)
      .optional(),
    stdin: z.string().max(API_LIMITS.codeBytes).optional(),
    env: envSchema.optional(),
    timeout: timeoutSeconds.optional(),
  })
  .strict();

export const execSchema = z
  .object({
    command: z.string().min(1, "command cannot be empty").max(API_LIMITS.codeBytes),
    shell_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "shell ids use 1 to 64 letters, digits, - and _")
      .optional(),
    cwd: z.string().min(1).max(1024).optional(),
    env: envSchema.optional(),
    timeout: timeoutSeconds.optional(),
  })
  .strict();

export const createShellSchema = z
  .object({
    shell_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "shell ids use 1 to 64 letters, digits, - and _")
      .optional(),
  })
  .strict();

export const duplicateSchema = z.object({ id: sessionIdSchema.optional() }).strict();

export const writeFileSchema = z
  .object({
    content: z.string(),
    encoding: z.enum(["utf8", "base64"]).default("utf8"),
    mode: z.number().int().min(0).max(0o7777).optional(),
  })
  .strict();

export const mkdirSchema = z.object({ path: z.string().min(1, "path: give the folder to create").max(1024) }).strict();

export const moveFileSchema = z.object({ from: z.string().min(1), to: z.string().min(1) }).strict();

export const setupStatusSchema = z.enum(["none", "pending", "running", "completed", "failed"]);

export const createKeySchema = z
  .object({
    name: z.string().min(1, "give the key a name").max(100),
    rate_limit: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const terminalSchema = z
  .object({
    shell_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "shell ids use 1 to 64 letters, digits, - and _")
      .optional(),
    cols: z.number().int().min(10).max(500).default(80),
    rows: z.number().int().min(4).max(200).default(24),
  })
  .strict();
