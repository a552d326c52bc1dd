// The wire protocol between the Sandpit server and the agent inside each sandbox: one JSON object
// per line over a unix socket. Byte payloads travel base64-encoded so output stays byte-exact.

export const AGENT_PROTOCOL_VERSION = 1;

export interface RunFile {
  path: string;
  data: string; // base64
  mode?: number;
}

export interface RunParams {
  runId: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string; // base64; the process gets EOF after it
  files?: RunFile[];
  timeoutMs: number;
  outputLimit: number;
  /** A folder removed after the run, where inline code was written. */
  cleanupDir?: string;
}

export interface ExecParams {
  shell: string;
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  outputLimit: number;
}

export type Request =
  | { id: number; op: "hello" }
  | ({ id: number; op: "run" } & RunParams)
  | { id: number; op: "kill"; runId: string }
  | { id: number; op: "shell.create"; shell: string }
  | { id: number; op: "shell.delete"; shell: string }
  | { id: number; op: "shell.list" }
  | { id: number; op: "shell.alive"; shell: string }
  | { id: number; op: "shell.state"; shell: string }
  | ({ id: number; op: "shell.exec" } & ExecParams)
  | { id: number; op: "fs.list"; path: string; recursive: boolean }
  | { id: number; op: "fs.read"; path: string }
  | { id: number; op: "fs.write"; path: string; data: string; mode?: number }
  | { id: number; op: "fs.mkdir"; path: string }
  | { id: number; op: "fs.move"; from: string; to: string }
  | { id: number; op: "fs.delete"; path: string; recursive: boolean }
  | { id: number; op: "archive.extract"; file: string };

export type RequestOp = Request["op"];

export interface ProcessResult {
  exitCode: number;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdout: string; // base64 (empty when streamed)
  stderr: string; // base64 (empty when streamed)
  signal?: string;
}

export interface ExecResult extends ProcessResult {
  shellEnded: boolean;
  restarted: boolean;
  message?: string;
}

export interface FileEntry {
  path: string; // relative to /workspace
  type: "file" | "directory" | "symlink" | "other";
  size: number;
  mtimeMs: number;
  mode: number;
}

export interface ShellInfo {
  shell: string;
  alive: boolean;
  busy: boolean;
  pid?: number;
  cwd?: string;
}

export type AgentErrorCode =
  "BAD_REQUEST" | "NOT_FOUND" | "PATH_OUTSIDE_WORKSPACE" | "EXISTS" | "IS_DIRECTORY" | "NOT_DIRECTORY" | "INTERNAL";

export type Response =
  | { id: number; type: "result"; result: unknown }
  | { id: number; type: "error"; code: AgentErrorCode; message: string }
  | { id: number; type: "out"; fd: 1 | 2; data: string };
