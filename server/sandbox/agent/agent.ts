// The Sandpit agent: runs inside every sandbox as the unprivileged sandbox user (node strips the
// types) and serves the server over a unix socket in a folder shared with the host. It starts runs,
// keeps stateful bash shells and works on files, all confined to /workspace.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import {
  AGENT_PROTOCOL_VERSION,
  type AgentErrorCode,
  type ExecParams,
  type ExecResult,
  type FileEntry,
  type ProcessResult,
  type Request,
  type Response,
  type RunParams,
  type ShellInfo,
} from "./protocol.ts";

const SOCKET = process.argv[2] ?? "/run/sandpit/agent.sock";
const WORKSPACE = "/workspace";
const STATE_DIR = "/tmp/.sandpit";
const BASE_ENV: NodeJS.ProcessEnv = { ...process.env };

class AgentError extends Error {
  code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

type Send = (response: Response) => void;

// ---------------------------------------------------------------- processes

interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
}

function readProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`);
    return environ.indexOf(`${marker}\0`) === 0 || environ.includes(`\0${marker}\0`);
  } catch {
    return false;
  }
}

/**
 * Kills every process of a tree: the descendants of `root`, its process group and session, and
 * any process carrying `marker` in its environment (which catches processes that left the
 * session and lost their parent). Repeats until nothing is left. `keepRoot` spares `root` itself.
 */
async function killTree(
  root: number,
  options: { marker?: string; keepRoot?: boolean; groupAndSession?: boolean },
): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const procs = readProcs();
    const children = new Map<number, number[]>();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    const targets = new Set<number>();
    const stack = [...(children.get(root) ?? [])];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      if (targets.has(pid)) continue;
      targets.add(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    for (const p of procs) {
      if (options.groupAndSession && (p.pgrp === root || p.session === root)) targets.add(p.pid);
      if (options.marker && hasMarker(p.pid, options.marker)) targets.add(p.pid);
    }
    if (!options.keepRoot) targets.add(root);
    else targets.delete(root);
    targets.delete(process.pid);
    targets.delete(1);
    let alive = 0;
    for (const pid of targets) {
      try {
        process.kill(pid, "SIGKILL");
        alive += 1;
      } catch {
        // already gone
      }
    }
    if (alive === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Makes the kernel's OOM killer pick user processes before the agent (raising is allowed unprivileged). */
function preferForOom(pid: number | undefined, score: number): void {
  if (pid === undefined) return;
  try {
    fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(score));
  } catch {
    // the process already ended
  }
}

/** Collects a stream up to `limit` bytes; past it, the rest is read and dropped (no full pipe). */
class Capture {
  chunks: Buffer[] = [];
  bytes = 0;
  truncated = false;
  limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  /** Returns the part of `chunk` that fits under the limit. */
  take(chunk: Buffer): Buffer {
    const room = this.limit - this.bytes;
    if (room <= 0) {
      this.truncated = this.truncated || chunk.length > 0;
      return Buffer.alloc(0);
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.bytes += kept.length;
    return kept;
  }
}

// ---------------------------------------------------------------- runs

const runs = new Map<string, { pid: number; kill: () => void }>();

function startRun(params: RunParams, send: Send, id: number, stream: boolean, owner: Set<string>): Promise<ProcessResult> {
  for (const file of params.files ?? []) {
    const target = path.resolve(WORKSPACE, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, Buffer.from(file.data, "base64"), { mode: file.mode ?? 0o644 });
  }
  const started = Date.now();
  const marker = `SANDPIT_RUN=${params.runId}`;
  const stdout = new Capture(params.outputLimit);
  const stderr = new Capture(params.outputLimit);
  const kept: [Buffer[], Buffer[]] = [[], []];

  return new Promise((resolve) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(params.argv[0] ?? "false", params.argv.slice(1), {
        cwd: params.cwd,
        env: { ...BASE_ENV, ...params.env, SANDPIT_RUN: params.runId },
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (error) {
      resolve(failedStart(error as Error, started));
      return;
    }
    let timedOut = false;
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    const onData = (fd: 1 | 2, capture: Capture) => (chunk: Buffer) => {
      const part = capture.take(chunk);
      if (part.length === 0) return;
      if (stream) send({ id, type: "out", fd, data: part.toString("base64") });
      else (fd === 1 ? kept[0] : kept[1]).push(part);
    };
    child.stdout.on("data", onData(1, stdout));
    child.stderr.on("data", onData(2, stderr));
    child.stdin.on("error", () => undefined); // the program may exit without reading its stdin
    if (params.stdin) child.stdin.end(Buffer.from(params.stdin, "base64"));
    else child.stdin.end();

    const pid = child.pid;
    preferForOom(pid, 1000);
    const stopAll = (): void => {
      if (pid !== undefined) void killTree(pid, { marker, groupAndSession: true });
    };
    if (pid !== undefined) {
      runs.set(params.runId, { pid, kill: stopAll });
      owner.add(params.runId);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      stopAll();
    }, params.timeoutMs);

    child.on("error", (error) => {
      clearTimeout(timer);
      runs.delete(params.runId);
      owner.delete(params.runId);
      resolve(failedStart(error, started));
    });
    child.on("exit", (code, sig) => {
      exitCode = code;
      signal = sig;
      // The run is over when its main process ends: nothing it started may outlive it.
      if (pid !== undefined) void killTree(pid, { marker, groupAndSession: true });
      // Streams close once every holder of the pipes is gone; do not wait for ever.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2_000).unref();
    });
    child.on("close", () => {
      clearTimeout(timer);
      if (params.cleanupDir?.startsWith(`${STATE_DIR}/runs/`)) fs.rmSync(params.cleanupDir, { recursive: true, force: true });
      runs.delete(params.runId);
      owner.delete(params.runId);
      const code = timedOut ? 124 : (exitCode ?? (signal ? 128 + signalNumber(signal) : 1));
      resolve({
        exitCode: code,
        durationMs: Date.now() - started,
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        stdout: Buffer.concat(kept[0]).toString("base64"),
        stderr: Buffer.concat(kept[1]).toString("base64"),
        ...(signal && !timedOut ? { signal } : {}),
      });
    });
  });
}

function failedStart(error: Error, started: number): ProcessResult {
  const notFound = (error as NodeJS.ErrnoException).code === "ENOENT";
  return {
    exitCode: notFound ? 127 : 126,
    durationMs: Date.now() - started,
    timedOut: false,
    truncated: false,
    stdoutTruncated: false,
    stderrTruncated: false,
    stdout: "",
    stderr: Buffer.from(`${error.message}\n`).toString("base64"),
  };
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGXFSZ: 25,
};
function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 0;
}

// ---------------------------------------------------------------- shells

const SHELL_INIT = String.raw`
shopt -s expand_aliases
__sp_after() {
  { declare -px; declare -f; alias -p; printf 'cd -- %q 2>/dev/null\n' "$PWD"; } > "$__SP_STATE" 2>/dev/null
  printf '\0SPD:%s:%d\0' "$2" "$1"
  printf '\0SPD:%s\0' "$2" >&2
}
`;

function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

interface Pending {
  nonce: string;
  stdout: Capture;
  stderr: Capture;
  kept: [Buffer[], Buffer[]];
  buffers: [Buffer, Buffer];
  done: [boolean, boolean];
  exitCode?: number;
  send?: (fd: 1 | 2, data: Buffer) => void;
  finish: (result: { exitCode: number; shellEnded: boolean }) => void;
}

class Shell {
  id: string;
  dir: string;
  proc: ChildProcessWithoutNullStreams | undefined;
  alive = false;
  endedWith: number | undefined;
  queue: Promise<unknown> = Promise.resolve();
  busy = false;
  pending: Pending | undefined;

  constructor(id: string) {
    this.id = id;
    this.dir = path.join(STATE_DIR, "shells", id);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  get stateFile(): string {
    return path.join(this.dir, "state");
  }

  start(restore: boolean): void {
    const proc = spawn("bash", ["--noprofile", "--norc"], {
      cwd: WORKSPACE,
      env: { ...BASE_ENV, SANDPIT_SHELL: this.id },
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.proc = proc;
    preferForOom(proc.pid, 500);
    this.alive = true;
    this.endedWith = undefined;
    proc.stdin.on("error", () => undefined);
    proc.stdout.on("data", (chunk: Buffer) => this.onData(0, chunk));
    proc.stderr.on("data", (chunk: Buffer) => this.onData(1, chunk));
    proc.on("exit", (code, signal) => {
      if (this.proc !== proc) return;
      this.alive = false;
      this.endedWith = code ?? 128 + signalNumber(signal ?? "");
      // Give the pipes a moment to deliver what the shell wrote before it ended.
      setTimeout(() => {
        const pending = this.pending;
        if (pending && this.proc === proc) {
          this.pending = undefined;
          for (const fd of [0, 1] as const) this.flush(pending, fd, pending.buffers[fd]);
          pending.finish({ exitCode: this.endedWith ?? 1, shellEnded: true });
        }
      }, 20);
    });
    proc.stdin.write(
      `__SP_STATE=${quote(this.stateFile)}\n${SHELL_INIT}\n${restore ? `. ${quote(this.stateFile)} 2>/dev/null\n` : ""}`,
    );
  }

  private flush(pending: Pending, fd: 0 | 1, data: Buffer): void {
    const capture = fd === 0 ? pending.stdout : pending.stderr;
    const part = capture.take(data);
    if (part.length === 0) return;
    if (pending.send) pending.send((fd + 1) as 1 | 2, part);
    else pending.kept[fd].push(part);
  }

  private onData(fd: 0 | 1, chunk: Buffer): void {
    const pending = this.pending;
    if (!pending || pending.done[fd]) return; // output of background jobs between commands
    let buffer = Buffer.concat([pending.buffers[fd], chunk]);
    const prefix = Buffer.from(`\0SPD:${pending.nonce}`);
    const at = buffer.indexOf(prefix);
    if (at >= 0) {
      const end = buffer.indexOf(0, at + prefix.length);
      if (end < 0) {
        pending.buffers[fd] = buffer;
        return;
      }
      this.flush(pending, fd, buffer.subarray(0, at));
      if (fd === 0) pending.exitCode = Number(buffer.subarray(at + prefix.length + 1, end).toString());
      pending.done[fd] = true;
      pending.buffers[fd] = Buffer.alloc(0);
      if (pending.done[0] && pending.done[1]) {
        this.pending = undefined;
        pending.finish({ exitCode: pending.exitCode ?? 1, shellEnded: false });
      }
      return;
    }
    // Hold back a tail that could be the start of the marker.
    const keep = Math.min(buffer.length, prefix.length + 16);
    this.flush(pending, fd, buffer.subarray(0, buffer.length - keep));
    buffer = buffer.subarray(buffer.length - keep);
    pending.buffers[fd] = Buffer.from(buffer);
  }

  info(): ShellInfo {
    let cwd: string | undefined;
    try {
      if (this.proc?.pid !== undefined && this.alive) cwd = fs.readlinkSync(`/proc/${this.proc.pid}/cwd`);
    } catch {
      cwd = undefined;
    }
    return { shell: this.id, alive: this.alive, busy: this.busy, pid: this.alive ? this.proc?.pid : undefined, cwd };
  }

  /** Runs one command; commands of one shell run one at a time, in arrival order. */
  exec(params: ExecParams, send: ((fd: 1 | 2, data: Buffer) => void) | undefined): Promise<ExecResult> {
    const next = this.queue.then(() => this.execNow(params, send));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async execNow(params: ExecParams, send: ((fd: 1 | 2, data: Buffer) => void) | undefined): Promise<ExecResult> {
    let restarted = false;
    let message: string | undefined;
    if (!this.alive) {
      const previous = this.endedWith;
      this.start(false);
      restarted = true;
      message = `started a fresh shell: the previous one ended${previous === undefined ? "" : ` (exit ${previous})`}`;
    }
    const proc = this.proc as ChildProcessWithoutNullStreams;
    this.busy = true;
    const started = Date.now();
    const nonce = randomBytes(12).toString("hex");
    const cmdFile = path.join(this.dir, "cmd");
    fs.writeFileSync(cmdFile, params.command, { mode: 0o600 });
    const read = `IFS= read -r -d '' __sp_cmd < ${quote(cmdFile)}`;
    let body = `{ eval "$__sp_cmd"; } < /dev/null`;
    if (params.cwd !== undefined || (params.env && Object.keys(params.env).length > 0)) {
      const parts: string[] = [];
      if (params.cwd !== undefined) parts.push(`cd -- ${quote(params.cwd)} || exit 1`);
      for (const [key, value] of Object.entries(params.env ?? {})) parts.push(`export ${key}=${quote(value)}`);
      // A subshell: per-call cwd and env apply to this call only.
      body = `( ${parts.join("; ")}; eval "$__sp_cmd" ) < /dev/null`;
    }
    const stdout = new Capture(params.outputLimit);
    const stderr = new Capture(params.outputLimit);
    let timedOut = false;
    const outcome = await new Promise<{ exitCode: number; shellEnded: boolean; pending: Pending }>((resolve) => {
      const timer = setTimeout(() => {
        timedOut = true;
        void this.stopCommand(proc, pending).then((restartedShell) => {
          if (restartedShell) message = "the command did not stop, so the shell was restarted with its saved state";
        });
      }, params.timeoutMs);
      const pending: Pending = {
        nonce,
        stdout,
        stderr,
        kept: [[], []],
        buffers: [Buffer.alloc(0), Buffer.alloc(0)],
        done: [false, false],
        send,
        finish: (result) => {
          clearTimeout(timer);
          resolve({ ...result, pending });
        },
      };
      this.pending = pending;
      proc.stdin.write(`${read}; ${body}; __sp_after $? ${nonce}\n`);
    });
    this.busy = false;
    const shellEnded = outcome.shellEnded && !timedOut;
    if (shellEnded) message = `shell ended (exit ${outcome.exitCode})`;
    return {
      exitCode: timedOut ? 124 : outcome.exitCode,
      durationMs: Date.now() - started,
      timedOut,
      truncated: stdout.truncated || stderr.truncated,
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      stdout: Buffer.concat(outcome.pending.kept[0]).toString("base64"),
      stderr: Buffer.concat(outcome.pending.kept[1]).toString("base64"),
      shellEnded,
      restarted,
      ...(message ? { message } : {}),
    };
  }

  /** Stops the running command; restarts the shell (state restored) when bash itself is stuck. */
  private async stopCommand(proc: ChildProcessWithoutNullStreams, pending: Pending): Promise<boolean> {
    if (proc.pid === undefined) return false;
    await killTree(proc.pid, { keepRoot: true });
    for (let i = 0; i < 40 && this.pending === pending; i++) await new Promise((r) => setTimeout(r, 10));
    if (this.pending !== pending) return false;
    // A builtin loop keeps bash busy: end it and start a new one with the saved state.
    this.proc = undefined;
    await killTree(proc.pid, { groupAndSession: true });
    this.pending = undefined;
    this.start(true);
    pending.finish({ exitCode: 124, shellEnded: false });
    return true;
  }

  stop(): void {
    const pid = this.proc?.pid;
    this.proc = undefined;
    this.alive = false;
    if (pid !== undefined) void killTree(pid, { groupAndSession: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const shells = new Map<string, Shell>();

function getShell(id: string, create: boolean): Shell {
  let shell = shells.get(id);
  if (!shell) {
    if (!create) throw new AgentError("NOT_FOUND", `shell ${id} does not exist`);
    shell = new Shell(id);
    shell.start(false);
    shells.set(id, shell);
  }
  return shell;
}

// ---------------------------------------------------------------- files

/** Resolves a workspace path; refuses anything that leaves /workspace, also through symlinks. */
function confine(input: string, options: { mustExist?: boolean } = {}): { abs: string; rel: string } {
  if (typeof input !== "string" || input.includes("\0"))
    throw new AgentError("BAD_REQUEST", "path must be a string without NUL bytes");
  const abs = path.resolve(WORKSPACE, input);
  if (abs !== WORKSPACE && !abs.startsWith(`${WORKSPACE}/`)) {
    throw new AgentError("PATH_OUTSIDE_WORKSPACE", `"${input}" is outside /workspace`);
  }
  // The deepest existing ancestor (or the file itself) must really live inside /workspace.
  let probe = abs;
  for (;;) {
    try {
      const real = fs.realpathSync(probe);
      if (real !== WORKSPACE && !real.startsWith(`${WORKSPACE}/`)) {
        throw new AgentError("PATH_OUTSIDE_WORKSPACE", `"${input}" leads outside /workspace through a symlink`);
      }
      break;
    } catch (error) {
      if (error instanceof AgentError) throw error;
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (probe === abs && options.mustExist) throw new AgentError("NOT_FOUND", `"${input}" does not exist`);
      probe = path.dirname(probe);
    }
  }
  return { abs, rel: path.relative(WORKSPACE, abs) };
}

function entryOf(abs: string): FileEntry {
  const stat = fs.lstatSync(abs);
  const type = stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : stat.isFile() ? "file" : "other";
  return {
    path: path.relative(WORKSPACE, abs),
    type,
    size: stat.isDirectory() ? 0 : stat.size,
    mtimeMs: Math.round(stat.mtimeMs),
    mode: stat.mode & 0o7777,
  };
}

function listFiles(input: string, recursive: boolean): FileEntry[] {
  const { abs } = confine(input, { mustExist: true });
  if (!fs.statSync(abs).isDirectory()) throw new AgentError("NOT_DIRECTORY", `"${input}" is not a directory`);
  const out: FileEntry[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const child = path.join(dir, name);
      const entry = entryOf(child);
      out.push(entry);
      if (recursive && entry.type === "directory") walk(child);
    }
  };
  walk(abs);
  return out;
}

function readFile(input: string): { data: string; entry: FileEntry } {
  const { abs } = confine(input, { mustExist: true });
  const stat = fs.statSync(abs);
  if (stat.isDirectory()) throw new AgentError("IS_DIRECTORY", `"${input}" is a directory`);
  return { data: fs.readFileSync(abs).toString("base64"), entry: entryOf(abs) };
}

function writeFile(input: string, data: string, mode: number | undefined): FileEntry {
  const { abs } = confine(input);
  if (abs === WORKSPACE) throw new AgentError("IS_DIRECTORY", "cannot write to /workspace itself");
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  confine(input); // the parents just created cannot point elsewhere, but a race could have
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new AgentError("IS_DIRECTORY", `"${input}" is a directory`);
  fs.writeFileSync(abs, Buffer.from(data, "base64"), mode === undefined ? undefined : { mode });
  if (mode !== undefined) fs.chmodSync(abs, mode);
  return entryOf(abs);
}

/** Unpacks an uploaded tar.gz into /workspace as the sandbox user, so it can touch nothing else. */
function extractArchive(file: string): Promise<{ files: number }> {
  if (!file.startsWith("/run/sandpit/") || file.includes(".."))
    throw new AgentError("BAD_REQUEST", "archive must be in /run/sandpit");
  return new Promise((resolve, reject) => {
    execFile(
      "tar",
      ["-xzvf", file, "-C", WORKSPACE, "--no-same-owner", "--delay-directory-restore"],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new AgentError(
              "BAD_REQUEST",
              `the archive could not be unpacked: ${stderr.trim().split("\n").slice(-3).join("; ") || error.message}`,
            ),
          );
        else resolve({ files: stdout.split("\n").filter((line) => line && !line.endsWith("/")).length });
      },
    );
  });
}

function errorOf(error: unknown): { code: AgentErrorCode; message: string } {
  if (error instanceof AgentError) return { code: error.code, message: error.message };
  const errno = error as NodeJS.ErrnoException;
  const rel = typeof errno.path === "string" ? path.relative(WORKSPACE, errno.path) || "." : "path";
  switch (errno.code) {
    case "ENOENT":
      return { code: "NOT_FOUND", message: `"${rel}" does not exist` };
    case "EEXIST":
      return { code: "EXISTS", message: `"${rel}" already exists` };
    case "EISDIR":
      return { code: "IS_DIRECTORY", message: `"${rel}" is a directory` };
    case "ENOTDIR":
      return { code: "NOT_DIRECTORY", message: `"${rel}" is not a directory` };
    case "ENOTEMPTY":
      return { code: "BAD_REQUEST", message: `"${rel}" is not empty` };
    case "ENAMETOOLONG":
      return { code: "BAD_REQUEST", message: `"${rel.slice(0, 80)}…" is too long a path` };
    case "ELOOP":
      return { code: "BAD_REQUEST", message: `"${rel}" has too many levels of symlinks` };
    case "EACCES":
    case "EPERM":
      return { code: "BAD_REQUEST", message: `permission denied on "${rel}"` };
    case "ENOSPC":
    case "EDQUOT":
    case "EFBIG":
      return { code: "BAD_REQUEST", message: `no space left for "${rel}"` };
    default:
      return { code: "INTERNAL", message: errno.message ?? String(error) };
  }
}

// ---------------------------------------------------------------- dispatch

async function handle(request: Request, send: Send, owned: Set<string>): Promise<unknown> {
  switch (request.op) {
    case "hello":
      return { version: AGENT_PROTOCOL_VERSION, pid: process.pid, uid: process.getuid?.() };
    case "run": {
      const streamed = (request as { stream?: boolean }).stream === true;
      return startRun(request, send, request.id, streamed, owned);
    }
    case "kill": {
      const run = runs.get(request.runId);
      run?.kill();
      return { killed: run !== undefined };
    }
    case "shell.create":
      if (shells.has(request.shell)) throw new AgentError("EXISTS", `shell ${request.shell} already exists`);
      return getShell(request.shell, true).info();
    case "shell.delete": {
      const shell = shells.get(request.shell);
      if (!shell) throw new AgentError("NOT_FOUND", `shell ${request.shell} does not exist`);
      shell.stop();
      shells.delete(request.shell);
      return { deleted: true };
    }
    case "shell.list":
      return [...shells.values()].map((shell) => shell.info());
    case "shell.alive":
      return getShell(request.shell, false).info();
    case "shell.state": {
      const shell = getShell(request.shell, false);
      return { stateFile: shell.stateFile };
    }
    case "shell.exec": {
      const streamed = (request as { stream?: boolean }).stream === true;
      const shell = getShell(request.shell, true);
      return shell.exec(
        request,
        streamed ? (fd, data) => send({ id: request.id, type: "out", fd, data: data.toString("base64") }) : undefined,
      );
    }
    case "fs.list":
      return listFiles(request.path, request.recursive);
    case "fs.read":
      return readFile(request.path);
    case "fs.write":
      return writeFile(request.path, request.data, request.mode);
    case "fs.mkdir": {
      const { abs } = confine(request.path);
      fs.mkdirSync(abs, { recursive: true });
      confine(request.path, { mustExist: true });
      return entryOf(abs);
    }
    case "fs.move": {
      const from = confine(request.from, { mustExist: true });
      const to = confine(request.to);
      if (from.abs === WORKSPACE || to.abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot move /workspace itself");
      if (fs.existsSync(to.abs)) throw new AgentError("EXISTS", `"${request.to}" already exists`);
      fs.mkdirSync(path.dirname(to.abs), { recursive: true });
      fs.renameSync(from.abs, to.abs);
      return entryOf(to.abs);
    }
    case "fs.delete": {
      const { abs } = confine(request.path);
      if (abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot delete /workspace itself");
      const stat = fs.lstatSync(abs);
      if (stat.isDirectory() && !request.recursive) fs.rmdirSync(abs);
      else fs.rmSync(abs, { recursive: true, force: false });
      return { deleted: true };
    }
    case "archive.extract":
      return extractArchive(request.file);
    default:
      throw new AgentError("BAD_REQUEST", `unknown operation ${(request as { op: string }).op}`);
  }
}

function serve(socket: net.Socket): void {
  const owned = new Set<string>();
  let buffer = "";
  const send: Send = (response) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (!line.trim()) continue;
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        send({ id: -1, type: "error", code: "BAD_REQUEST", message: "request is not JSON" });
        continue;
      }
      handle(request, send, owned).then(
        (result) => send({ id: request.id, type: "result", result }),
        (error: unknown) => send({ id: request.id, type: "error", ...errorOf(error) }),
      );
    }
  });
  // A run belongs to the connection that started it: when the server goes away, so does the run.
  socket.on("close", () => {
    for (const runId of owned) runs.get(runId)?.kill();
  });
  socket.on("error", () => undefined);
}

fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
// Start libuv's thread pool now: under a fork bomb, creating threads later would fail and abort.
await fs.promises.access("/");
try {
  fs.unlinkSync(SOCKET);
} catch {
  // no stale socket
}
const server = net.createServer(serve);
server.listen(SOCKET, () => {
  fs.chmodSync(SOCKET, 0o600);
  process.stdout.write(`sandpit agent ${AGENT_PROTOCOL_VERSION} listening on ${SOCKET}\n`);
});
process.on("SIGTERM", () => process.exit(0));
