import { z } from "zod";
import { LANGUAGE_ALIASES, LANGUAGE_IDS } from "@/lib/languages";
import {
  API_LIMITS,
  ENV_NAME_PATTERN,
  ID_PATTERN,
  RATE_LIMIT,
  RUN_TIMEOUT,
  SESSION_ID_MESSAGE,
  SHELL_ID_MESSAGE,
  TERMINAL_SIZE,
  TIMEOUT_MESSAGES,
} from "@/lib/limits";
import { setupSpecSchema } from "@/lib/setup/spec";
import { egressPolicySchema, egressSecretsSchema } from "@/lib/egress";

export const sessionIdSchema = z.string().regex(ID_PATTERN, SESSION_ID_MESSAGE);
export const shellIdSchema = z.string().regex(ID_PATTERN, SHELL_ID_MESSAGE);

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

/** A time limit in seconds, within RUN_TIMEOUT's bounds (the same words as timeoutProblem). */
export const timeoutSchema = z
  .number({ error: TIMEOUT_MESSAGES.type })
  .positive(TIMEOUT_MESSAGES.positive)
  .max(RUN_TIMEOUT.maxSeconds, TIMEOUT_MESSAGES.max);

export const envSchema = z
  .record(
    z.string(),
    z.string().max(API_LIMITS.envValueBytes, `env values are limited to ${API_LIMITS.envValueBytes} characters`),
  )
  .superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > API_LIMITS.envVars) ctx.addIssue({ code: "custom", message: `at most ${API_LIMITS.envVars} env vars` });
    for (const name of names) {
      if (!ENV_NAME_PATTERN.test(name))
        ctx.addIssue({ code: "custom", path: [name], message: `"${name}" is not a valid env var name` });
    }
  });

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= API_LIMITS.metadataBytes, {
    error: `metadata is limited to ${API_LIMITS.metadataBytes} bytes of JSON`,
  });

const entryFileSchema = z.string().min(1).max(API_LIMITS.pathChars).nullable();

/** A session's name, or a student's display name: visible characters and spaces, trimmed. */
export const sessionNameSchema = z
  .string({ error: "a name is text" })
  .trim()
  .min(1, "a name cannot be empty")
  .max(API_LIMITS.nameChars, `a name is at most ${API_LIMITS.nameChars} characters`)
  .refine((value) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value), {
    error: "a name cannot hold control characters or line breaks",
  });

export const createSessionSchema = z
  .object({
    language: languageSchema,
    session_id: sessionIdSchema.optional(),
    persistent: z.boolean().default(true),
    setup: setupSpecSchema.optional(),
    /** Seconds; null (or leaving it out) follows the server's configured default. */
    default_timeout: timeoutSchema.nullable().optional(),
    metadata: metadataSchema.optional(),
    entry_file: entryFileSchema.optional(),
    name: sessionNameSchema.nullable().optional(),
    egress: egressPolicySchema.optional(),
    egress_secrets: egressSecretsSchema.optional(),
  })
  .strict();
export type CreateSessionInput = z.input<typeof createSessionSchema>;

export const updateSessionSchema = z
  .object({
    /** Seconds; null (or leaving it out) follows the server's configured default. */
    default_timeout: timeoutSchema.nullable().optional(),
    metadata: metadataSchema.optional(),
    entry_file: entryFileSchema.optional(),
    name: sessionNameSchema.nullable().optional(),
    persistent: z.boolean().optional(),
    template: z.boolean().optional(),
    /** Whether share links' visitors may open the session's previews. */
    share_previews: z.boolean().optional(),
    egress: egressPolicySchema.optional(),
    egress_secrets: egressSecretsSchema.optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, {
    error:
      "nothing to update: give name, default_timeout, metadata, entry_file, persistent, template, share_previews, egress or egress_secrets",
  });
export type UpdateSessionInput = z.input<typeof updateSessionSchema>;

export const runSchema = z
  .object({
    code: z.string().max(API_LIMITS.codeBytes, `code is limited to ${API_LIMITS.codeBytes} bytes`).optional(),
    file: z.string().min(1).max(API_LIMITS.pathChars).optional(),
    language: languageSchema.optional(),
    args: z.array(z.string().max(API_LIMITS.argBytes)).max(API_LIMITS.args, `at most ${API_LIMITS.args} args`).optional(),
    stdin: z.string().max(API_LIMITS.codeBytes, `stdin is limited to ${API_LIMITS.codeBytes} bytes`).optional(),
    env: envSchema.optional(),
    timeout: timeoutSchema.optional(),
    /**
     * A long-running program (a web server to preview): interactive runs only. No run time limit
     * (it runs until stopped, or until the sandbox sleeps with no preview open), and it does not
     * keep the sandbox awake by itself.
     */
    serve: z.boolean().optional(),
  })
  .strict()
  .refine((value) => !(value.code !== undefined && value.file !== undefined), { error: "give code or file, not both" })
  .refine((value) => !(value.serve === true && value.timeout !== undefined), {
    error: "serve runs have no time limit: give serve or timeout, not both",
  });
export type RunInput = z.input<typeof runSchema>;

export const executeSchema = z
  .object({
    language: languageSchema,
    code: z.string().max(API_LIMITS.codeBytes, `code is limited to ${API_LIMITS.codeBytes} bytes`),
    args: z.array(z.string().max(API_LIMITS.argBytes)).max(API_LIMITS.args).optional(),
    stdin: z.string().max(API_LIMITS.codeBytes).optional(),
    env: envSchema.optional(),
    timeout: timeoutSchema.optional(),
  })
  .strict();

export const execSchema = z
  .object({
    command: z.string().min(1, "command cannot be empty").max(API_LIMITS.codeBytes),
    shell_id: shellIdSchema.optional(),
    cwd: z.string().min(1).max(API_LIMITS.pathChars).optional(),
    env: envSchema.optional(),
    timeout: timeoutSchema.optional(),
  })
  .strict();

export const createShellSchema = z
  .object({
    shell_id: shellIdSchema.optional(),
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

export const mkdirSchema = z
  .object({ path: z.string().min(1, "path: give the folder to create").max(API_LIMITS.pathChars) })
  .strict();

export const moveFileSchema = z.object({ from: z.string().min(1), to: z.string().min(1) }).strict();

export const setupStatusSchema = z.enum(["none", "pending", "running", "completed", "failed"]);

export const createKeySchema = z
  .object({
    name: z.string().min(1, "give the key a name").max(100),
    rate_limit: z.number().int().min(RATE_LIMIT.min).max(RATE_LIMIT.max).optional(),
  })
  .strict();

export const terminalSchema = z
  .object({
    shell_id: shellIdSchema.optional(),
    cols: z.number().int().min(TERMINAL_SIZE.cols.min).max(TERMINAL_SIZE.cols.max).default(TERMINAL_SIZE.cols.default),
    rows: z.number().int().min(TERMINAL_SIZE.rows.min).max(TERMINAL_SIZE.rows.max).default(TERMINAL_SIZE.rows.default),
  })
  .strict();
