// Stateful bash shells: commands run one at a time, the shell's state is saved after each.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, asUser, BASE_ENV, STATE_DIR, spawnAsUser, WORKSPACE } from "./context.ts";
import { Capture, killTree, preferForOom, signalNumber } from "./procs.ts";
import type { ExecParams, ExecResult, ShellInfo } from "./protocol.ts";
import { removeTree } from "./remove.ts";

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

export class Shell {
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
    asUser(() => fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 }));
  }

  get stateFile(): string {
    return path.join(this.dir, "state");
  }

  start(restore: boolean): void {
    const proc = spawnAsUser("bash", ["--noprofile", "--norc"], {
      cwd: WORKSPACE,
      env: { ...BASE_ENV, SANDPIT_SHELL: this.id },
      detached: true,
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
      if (this.proc?.pid !== undefined && this.alive) {
        const pid = this.proc.pid;
        cwd = asUser(() => fs.readlinkSync(`/proc/${pid}/cwd`));
      }
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
    // The command follows its line on bash's stdin (bash reads a pipe byte by byte, so `read` gets
    // exactly those bytes): no file to write, and no switch to the sandbox user on this path.
    const command = Buffer.from(params.command);
    const read = `LC_ALL=C IFS= read -r -N ${command.length} __sp_cmd`;
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
      proc.stdin.write(command);
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
    removeTree(this.dir);
  }
}

export const shells = new Map<string, Shell>();

export function getShell(id: string, create: boolean): Shell {
  let shell = shells.get(id);
  if (!shell) {
    if (!create) throw new AgentError("NOT_FOUND", `shell ${id} does not exist`);
    shell = new Shell(id);
    shell.start(false);
    shells.set(id, shell);
  }
  return shell;
}
