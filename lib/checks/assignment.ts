import { z } from "zod";
import type { TestResult } from "./results";

/** Bounds of an assignment's hidden tests. */
export const ASSIGNMENT_LIMITS = {
  files: 50,
  fileBytes: 256 * 1024,
  totalBytes: 1024 * 1024,
  commandChars: 2_000,
  pathBytes: 255,
  timeoutSeconds: { min: 1, max: 600, default: 60 },
} as const;

/** Characters of a check's output kept for its teacher (and its student when the feedback allows). */
export const CHECK_OUTPUT_CHARS = 64 * 1024;

export const CHECK_FEEDBACK = ["results", "messages", "output"] as const;
export type CheckFeedback = (typeof CHECK_FEEDBACK)[number];

export const FEEDBACK_LABELS: Record<CheckFeedback, string> = {
  results: "pass or fail per test",
  messages: "pass or fail, and why a test failed",
  output: "pass or fail, why, and everything the tests printed",
};

/** Where a hidden file goes in the checked copy: a plain relative path inside /workspace. */
const hiddenPathSchema = z
  .string()
  .min(1, "a hidden file needs a path, e.g. tests/test_main.py")
  .superRefine((value, ctx) => {
    const problem = value.includes("\0")
      ? "must not contain NUL bytes"
      : value.startsWith("/")
        ? "must be relative to the workspace, e.g. tests/test_main.py"
        : value.split("/").some((part) => part === "" || part === "." || part === "..")
          ? "must not have empty, . or .. parts"
          : new TextEncoder().encode(value).length > ASSIGNMENT_LIMITS.pathBytes
            ? `must be at most ${ASSIGNMENT_LIMITS.pathBytes} bytes`
            : null;
    if (problem) ctx.addIssue({ code: "custom", message: `hidden file path "${value.slice(0, 80)}" ${problem}` });
  });

export const hiddenFileSchema = z.object({
  path: hiddenPathSchema,
  content: z.string().max(ASSIGNMENT_LIMITS.fileBytes, `a hidden file is at most ${ASSIGNMENT_LIMITS.fileBytes / 1024} KiB`),
});

/** What a teacher sets on a template: every field optional; `null` clears the command or deadline. */
export const assignmentInputSchema = z
  .object({
    command: z
      .string()
      .trim()
      .max(ASSIGNMENT_LIMITS.commandChars, `the test command is at most ${ASSIGNMENT_LIMITS.commandChars} characters`)
      .nullable()
      .optional()
      .transform((value) => (value === "" ? null : value)),
    files: z
      .array(hiddenFileSchema)
      .max(ASSIGNMENT_LIMITS.files, `an assignment keeps at most ${ASSIGNMENT_LIMITS.files} hidden files`)
      .optional(),
    feedback: z.enum(CHECK_FEEDBACK, { message: `feedback is one of ${CHECK_FEEDBACK.join(", ")}` }).optional(),
    timeout_seconds: z
      .number()
      .int()
      .min(ASSIGNMENT_LIMITS.timeoutSeconds.min)
      .max(ASSIGNMENT_LIMITS.timeoutSeconds.max, `checks may run at most ${ASSIGNMENT_LIMITS.timeoutSeconds.max} s`)
      .optional(),
    deadline: z.iso
      .datetime({ offset: true, message: "deadline is a date and time like 2026-12-01T17:00:00Z" })
      .nullable()
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const files = value.files ?? [];
    const seen = new Set<string>();
    for (const file of files) {
      if (seen.has(file.path)) ctx.addIssue({ code: "custom", message: `hidden file ${file.path} is given twice` });
      seen.add(file.path);
    }
    const total = files.reduce((sum, file) => sum + new TextEncoder().encode(file.content).length, 0);
    if (total > ASSIGNMENT_LIMITS.totalBytes)
      ctx.addIssue({
        code: "custom",
        message: `hidden files are at most ${ASSIGNMENT_LIMITS.totalBytes / 1024 / 1024} MiB in all`,
      });
  });

export type AssignmentInput = z.input<typeof assignmentInputSchema>;

/** A template's assignment as its teacher sees it. */
export interface AssignmentView {
  session_id: string;
  command: string | null;
  files: Array<{ path: string; content: string; bytes: number }>;
  feedback: CheckFeedback;
  timeout_seconds: number;
  deadline: string | null;
  updated_at: string | null;
}

/** One Check as the one who asked sees it (a student sees what the feedback allows). */
export interface CheckResultView {
  id: string;
  session_id: string;
  status: "passed" | "failed" | "error";
  passed: number;
  failed: number;
  skipped: number;
  tests: TestResult[];
  /** What the tests printed: for the teacher, and for students when the feedback is "output". */
  output: string | null;
  /** Why the checks could not run, when status is "error". */
  problem: string | null;
  duration_ms: number;
  created_at: string;
}

/** What a session's page needs to offer Check: whether it has checks, its deadline, the last result. */
export interface CheckStatusView {
  available: boolean;
  /** The deadline that applies to this session (a class copy's own, else its class's), if any. */
  deadline: string | null;
  /** True once the deadline passed for its student: their work is read-only. */
  closed: boolean;
  feedback: CheckFeedback | null;
  latest: CheckResultView | null;
}

/** The views above as schemas, for the REST contract and its OpenAPI document. */
export const testResultSchema = z.object({
  name: z.string(),
  status: z.enum(["passed", "failed", "skipped"]),
  message: z.string().nullable().meta({ description: "why it failed, when the teacher lets students see it" }),
});

export const checkResultSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  status: z.enum(["passed", "failed", "error"]).meta({ description: "error: the tests could not run (see problem)" }),
  passed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  tests: z.array(testResultSchema),
  output: z
    .string()
    .nullable()
    .meta({ description: "what the tests printed: the teacher's, and students' when feedback is output" }),
  problem: z.string().nullable(),
  duration_ms: z.number().int(),
  created_at: z.string(),
});

export const checkStatusSchema = z.object({
  available: z.boolean().meta({ description: "whether the caller can check this session" }),
  deadline: z.string().nullable(),
  closed: z.boolean().meta({ description: "the deadline passed: the student's copy is read-only" }),
  feedback: z.enum(CHECK_FEEDBACK).nullable(),
  latest: checkResultSchema.nullable(),
});

export const assignmentSchema = z.object({
  session_id: z.string(),
  command: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), content: z.string(), bytes: z.number().int() })),
  feedback: z.enum(CHECK_FEEDBACK),
  timeout_seconds: z.number().int(),
  deadline: z.string().nullable(),
  updated_at: z.string().nullable(),
});
