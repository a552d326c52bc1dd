import "server-only";
import { z } from "zod";
import {
  DISPLAY_ITEM_BYTES,
  DISPLAY_TYPES,
  PORTS_MAX,
  WATCH_MAX_PATHS,
  type AgentMessage,
  type DisplayMime,
  type Op,
  type Result,
} from "./inside/protocol";

// What the agent may answer, checked before anything uses it: the agent runs beside user code and
// its answers are input like any other.

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "not base64");
const count = z.number().int().nonnegative();

const fileEntry = z.object({
  path: z.string(),
  type: z.enum(["file", "directory", "symlink", "other"]),
  size: count,
  mtimeMs: z.number(),
  mode: count,
});

const shellInfo = z.object({
  shell: z.string(),
  alive: z.boolean(),
  busy: z.boolean(),
  pid: z.number().int().optional(),
  cwd: z.string().optional(),
});

const processResult = z.object({
  exitCode: z.number().int(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  stdout: base64,
  stderr: base64,
  signal: z.string().optional(),
  displaySkipped: count.optional(),
});

const tunnelResult = z.object({ fromSocket: count, toSocket: count });

export const resultSchemas: { [O in Op]: z.ZodType<Result<O>> } = {
  hello: z.object({ version: z.number(), pid: z.number(), uid: z.number() }),
  run: processResult,
  kill: z.object({ killed: z.boolean() }),
  "run.input": z.object({ written: z.boolean() }),
  "shell.create": shellInfo,
  "shell.delete": z.object({ deleted: z.boolean() }),
  "shell.list": z.array(shellInfo).max(10_000),
  "shell.alive": shellInfo,
  "shell.state": z.object({ stateFile: z.string() }),
  "shell.exec": processResult.extend({ shellEnded: z.boolean(), restarted: z.boolean(), message: z.string().optional() }),
  "fs.list": z.array(fileEntry),
  "fs.read": z.object({ data: base64, entry: fileEntry }),
  "fs.write": z.object({ entry: fileEntry.optional() }),
  "fs.abort": z.object({ removed: z.boolean() }),
  "fs.mkdir": fileEntry,
  "fs.move": fileEntry,
  "fs.delete": z.object({ deleted: z.boolean() }),
  "fs.watch": z.object({ changes: count }),
  "archive.out": z.object({ bytes: count }),
  "archive.in": z.object({ files: count }),
  "layer.types": z.object({ files: count, bytes: count, truncated: z.boolean(), skipped: count }),
  "tunnel.listen": z.object({ accepted: count }),
  "ports.list": z.object({ ports: z.array(z.number().int().min(1).max(65_535)).max(PORTS_MAX) }),
  "tunnel.accept": tunnelResult,
  "tunnel.connect": tunnelResult,
};

const id = z.number().int();

export const agentMessage: z.ZodType<AgentMessage> = z.discriminatedUnion("type", [
  z.object({ id, type: z.literal("result"), result: z.unknown() }),
  z.object({
    id,
    type: z.literal("error"),
    code: z.enum([
      "BAD_REQUEST",
      "NOT_FOUND",
      "PATH_OUTSIDE_WORKSPACE",
      "EXISTS",
      "IS_DIRECTORY",
      "NOT_DIRECTORY",
      "TOO_LARGE",
      "TIMEOUT",
      "INTERNAL",
    ]),
    message: z.string().max(10_000),
  }),
  z.object({ id, type: z.literal("out"), fd: z.union([z.literal(1), z.literal(2)]), data: base64 }),
  z.object({
    id,
    type: z.literal("display"),
    mime: z.enum(Object.values(DISPLAY_TYPES) as [DisplayMime, ...DisplayMime[]]),
    data: base64.refine((data) => data.length <= Math.ceil(DISPLAY_ITEM_BYTES / 3) * 4, "a displayed item is too big"),
  }),
  z.object({ id, type: z.literal("data"), data: base64 }),
  z.object({ id, type: z.literal("credit"), n: z.number().int().positive().max(1024) }),
  z.object({ id, type: z.literal("open") }),
  z.object({ id, type: z.literal("end") }),
]);

/** A change the agent saw in the workspace (an `out` message of `fs.watch`). */
export const workspaceChange = z.object({
  paths: z.array(z.string().min(1).max(4096)).max(WATCH_MAX_PATHS),
  more: count,
  truncated: z.boolean(),
});
export type WorkspaceChange = z.infer<typeof workspaceChange>;
