// The wire protocol between the Sandpit server and the agent inside each sandbox: one JSON object
// per line on the container's attach stream (agent stdin and stdout). Byte payloads travel
// base64-encoded so output stays byte-exact. `Ops` maps each operation to its params and result;
// the agent's dispatch table and the server's client are both typed from it.

// 8: sandboxes mount the agent's file alone and sealed layers; a server of this version adopts no
// container an earlier one started (they mount the agent's folder and may hold unsealed layers).
export const AGENT_PROTOCOL_VERSION = 8;

/** Listening ports one `ports.list` tells at most. */
export const PORTS_MAX = 64;
/** Changed paths one `fs.watch` message names at most; more are counted, not named. */
export const WATCH_MAX_PATHS = 200;

/** No line either way may be longer: a longer one ends the connection. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** fs.read and fs.write move at most this many bytes a request. */
export const FILE_CHUNK_BYTES = 1024 * 1024;
/** Archive bytes travel in chunks of at most this size... */
export const ARCHIVE_CHUNK_BYTES = 256 * 1024;
/** ...and at most this many chunks may be in flight before the receiver grants more credit. */
export const ARCHIVE_WINDOW = 8;
/** Tunnel bytes travel in chunks of at most this size... */
export const TUNNEL_CHUNK_BYTES = 64 * 1024;
/** ...and each side may send this many chunks of a tunnel before the other grants more credit. */
export const TUNNEL_WINDOW = 16;
/** Connections a listener holds while no `tunnel.accept` waits for them; more are reset. */
export const TUNNEL_BACKLOG = 32;

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
  /** Output comes as `out` messages while the run goes on, instead of in the result. */
  stream?: boolean;
  /**
   * The program gets a terminal (PTY): stdout and stderr arrive merged as fd 1, input comes by
   * `run.input` while it runs, and the terminal turns Ctrl+C into SIGINT and Ctrl+D into EOF.
   */
  pty?: boolean;
  /**
   * The program may show images, HTML or Markdown: it writes files into the folder named by
   * SANDPIT_DISPLAY, and each one comes back as a `display` message before the result.
   */
  display?: boolean;
}

/** What a run may show, by file name extension (see RunParams.display). */
export const DISPLAY_TYPES = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  html: "text/html",
  md: "text/markdown",
  txt: "text/plain",
} as const;
export type DisplayMime = (typeof DISPLAY_TYPES)[keyof typeof DISPLAY_TYPES];
/** Items one run shows at most, their size each and together; more are left out (and counted). */
export const DISPLAY_MAX_ITEMS = 16;
export const DISPLAY_ITEM_BYTES = 2 * 1024 * 1024;
export const DISPLAY_TOTAL_BYTES = 8 * 1024 * 1024;

/** What the server tells the agent of the runtime it started under (\`gvisor\`); never passed on to programs. */
export const AGENT_RUNTIME_ENV = "SANDPIT_AGENT_RUNTIME";

/** `run.input` carries at most this many bytes a request. */
export const RUN_INPUT_BYTES = 64 * 1024;

export interface ExecParams {
  shell: string;
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  outputLimit: number;
  stream?: boolean;
}

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
  /** Items a run wanted to show that were left out (past the limits, or of a kind not shown). */
  displaySkipped?: number;
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

type None = Record<string, never>;

export interface Ops {
  hello: { params: None; result: { version: number; pid: number; uid: number } };
  run: { params: RunParams; result: ProcessResult };
  /** Kills the run's whole process tree; the result comes once every process of it is gone. */
  kill: { params: { runId: string }; result: { killed: boolean } };
  /** Bytes (base64, at most RUN_INPUT_BYTES) typed into a PTY run. */
  "run.input": { params: { runId: string; data: string }; result: { written: boolean } };
  "shell.create": { params: { shell: string }; result: ShellInfo };
  "shell.delete": { params: { shell: string }; result: { deleted: boolean } };
  "shell.list": { params: None; result: ShellInfo[] };
  "shell.alive": { params: { shell: string }; result: ShellInfo };
  "shell.state": { params: { shell: string }; result: { stateFile: string } };
  "shell.exec": { params: ExecParams; result: ExecResult };
  "fs.list": { params: { path: string; recursive: boolean }; result: FileEntry[] };
  /** `length` bytes from `offset` (at most FILE_CHUNK_BYTES); `data` is shorter at the end of the file. */
  "fs.read": { params: { path: string; offset: number; length: number }; result: { data: string; entry: FileEntry } };
  /**
   * One chunk of a write: chunks go to a temporary file named by `token` beside the target, in
   * order; the chunk with `done` renames it into place. `entry` comes with that last chunk.
   */
  "fs.write": {
    params: { path: string; token: string; offset: number; data: string; done: boolean; mode?: number };
    result: { entry?: FileEntry };
  };
  /** Removes the temporary file of a write that will not finish. */
  "fs.abort": { params: { path: string; token: string }; result: { removed: boolean } };
  "fs.mkdir": { params: { path: string }; result: FileEntry };
  "fs.move": { params: { from: string; to: string }; result: FileEntry };
  "fs.delete": { params: { path: string; recursive: boolean }; result: { deleted: boolean } };
  /**
   * Watches the workspace until cancelled, comparing its tree every `intervalMs`; each change comes
   * as an `out` message (fd 1) holding JSON `{paths, more, truncated}`.
   */
  "fs.watch": { params: { intervalMs: number }; result: { changes: number } };
  /** /workspace as tar.gz without the names in `excludes` (tar patterns), sent as `data` messages, each paid for by a `credit` from the server. */
  "archive.out": { params: { timeoutMs: number; maxBytes: number; excludes: string[] }; result: { bytes: number } };
  /** A tar.gz sent by the server as `data` messages (each paid for by a `credit` from the agent), then `end`. */
  "archive.in": { params: { timeoutMs: number }; result: { files: number } };
  /**
   * The type declarations of the layer's npm packages (@types/* first, then those in `first`), read
   * as the sandbox user without following symlinks: each file comes as an `out` message (fd 1)
   * holding JSON `{path, text}`, its path relative to the layer's node_modules. At most `maxFiles`
   * files and `maxBytes` bytes of text; `truncated` says when more were left out.
   */
  "layer.types": {
    params: { maxFiles: number; maxBytes: number; first: string[] };
    result: { files: number; bytes: number; truncated: boolean; skipped: number };
  };
  /**
   * Listens on 127.0.0.1:`port` inside the sandbox until cancelled; its connections are handed to
   * `tunnel.accept` requests. Cancelling it closes the listener and the connections not yet accepted.
   */
  "tunnel.listen": { params: { port: number }; result: { accepted: number } };
  /**
   * Waits for a connection to the listener on `port`, then becomes a tunnel (see TunnelMessages):
   * the agent sends `open`, then both sides send `data` (each paid for by a `credit`, after an
   * initial TUNNEL_WINDOW) and `end`; the result comes when the socket is closed.
   */
  "tunnel.accept": { params: { port: number }; result: TunnelResult };
  /** Connects to 127.0.0.1:`port` inside the sandbox, then is a tunnel as with `tunnel.accept`. */
  "tunnel.connect": { params: { port: number }; result: TunnelResult };
  /** TCP ports listened on where 127.0.0.1 reaches them, lowest first, at most PORTS_MAX; the agent's own listeners are left out. */
  "ports.list": { params: Record<string, never>; result: { ports: number[] } };
}

/** Bytes a tunnel moved: `fromSocket` read from the sandbox's socket, `toSocket` written to it. */
export interface TunnelResult {
  fromSocket: number;
  toSocket: number;
}

export type Op = keyof Ops;
export type Params<O extends Op> = Ops[O]["params"];
export type Result<O extends Op> = Ops[O]["result"];

export type AgentErrorCode =
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "PATH_OUTSIDE_WORKSPACE"
  | "EXISTS"
  | "IS_DIRECTORY"
  | "NOT_DIRECTORY"
  | "TOO_LARGE"
  | "TIMEOUT"
  | "INTERNAL";

/** Server to agent. `credit`, `data`, `end` and `cancel` belong to an open request. */
export type ServerMessage =
  | { id: number; type: "request"; op: Op; params: unknown }
  | { id: number; type: "credit"; n: number }
  | { id: number; type: "data"; data: string }
  | { id: number; type: "end" }
  | { id: number; type: "cancel" };

/** Agent to server. */
export type AgentMessage =
  | { id: number; type: "result"; result: unknown }
  | { id: number; type: "error"; code: AgentErrorCode; message: string }
  | { id: number; type: "out"; fd: 1 | 2; data: string }
  /** Something a run shows (RunParams.display), sent before its result. */
  | { id: number; type: "display"; mime: DisplayMime; data: string }
  | { id: number; type: "data"; data: string }
  | { id: number; type: "credit"; n: number }
  /** A tunnel's socket is connected; its bytes follow. */
  | { id: number; type: "open" }
  /** A tunnel's socket will send nothing more (it may still read). */
  | { id: number; type: "end" };
