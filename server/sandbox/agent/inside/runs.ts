// Runs: one process tree per run, its output captured or streamed, nothing left behind.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { asUser, BASE_ENV, STATE_DIR, spawnAsUser, WORKSPACE, type RequestContext } from "./context.ts";
import { collectDisplay, displayFolderOf, makeDisplayFolder } from "./display.ts";
import { Capture, killEscaped, killTree, PrefixRemover, preferForOom, signalNumber, startOf } from "./procs.ts";
import type { ProcessResult, RunParams } from "./protocol.ts";
import { removeTree } from "./remove.ts";

export interface LiveRun {
  pid: number;
  /** Resolves once every process of the run's tree is gone. */
  kill: () => Promise<void>;
  /** Types into a PTY run; false for a run without one. */
  write: (data: Buffer) => boolean;
}

export const runs = new Map<string, LiveRun>();

/** Input that may wait for a PTY run that is not reading it; more is refused. */
const PENDING_INPUT_BYTES = 1024 * 1024;

/**
 * Gives a program a terminal (the runtime image has python3). The helper leads the run's session
 * (it is spawned detached) and takes the PTY as that session's terminal; the program runs in a
 * process group of its own, in the foreground, but in the same session, so whatever it leaves
 * behind is in the run's session and ends with the run (pty.spawn's setsid would put it outside).
 * The helper copies the agent's pipe to the terminal and the terminal (stdout and stderr merged)
 * back, and exits with the program's status as soon as the program ends, not when the last
 * holder of the terminal lets it go.
 */
const PTY_HELPER = [
  "import os, sys, select, signal, fcntl, termios",
  "master, slave = os.openpty()",
  "fcntl.ioctl(slave, termios.TIOCSCTTY, 0)",
  "pid = os.fork()",
  "if pid == 0:",
  "    os.close(master)",
  "    os.setpgid(0, 0)",
  "    signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
  "    os.tcsetpgrp(slave, os.getpid())",
  "    signal.signal(signal.SIGTTOU, signal.SIG_DFL)",
  "    for fd in (0, 1, 2): os.dup2(slave, fd)",
  "    if slave > 2: os.close(slave)",
  "    try: os.execvp(sys.argv[1], sys.argv[1:])",
  "    except OSError as e:",
  "        os.write(2, (str(e) + '\\n').encode()); os._exit(127)",
  "def out(data):",
  "    while data: data = data[os.write(1, data):]",
  "def drain(wait):",
  "    while select.select([master], [], [], wait)[0]:",
  "        try: data = os.read(master, 65536)",
  "        except OSError: return",
  "        if not data: return",
  "        out(data)",
  "reading = True",
  "while True:",
  "    ready = select.select([master] + ([0] if reading else []), [], [], 0.05)[0]",
  "    if master in ready: drain(0)",
  "    if 0 in ready:",
  "        data = os.read(0, 65536)",
  "        if data:",
  "            while data: data = data[os.write(master, data):]",
  "        else: reading = False",
  "    done, status = os.waitpid(pid, os.WNOHANG)",
  "    if done:",
  "        drain(0.05)",
  "        code = os.waitstatus_to_exitcode(status)",
  "        sys.exit(code if code >= 0 else 128 - code)",
].join("\n");

function command(params: RunParams): [string, string[]] {
  // -I: the helper imports only the standard library (a workspace signal.py cannot stand in for it).
  if (params.pty) return ["python3", ["-I", "-c", PTY_HELPER, ...params.argv]];
  return [params.argv[0] ?? "false", params.argv.slice(1)];
}

/** Starts a run as the sandbox user; `owner` is the set of runs ended when the server reconnects. */
export function startRun(params: RunParams, ctx: RequestContext, owner: Set<string>): Promise<ProcessResult> {
  const stream = params.stream === true;
  // Inline code is written as the sandbox user before anything starts: failing that fails the request.
  const files = params.files ?? [];
  if (files.length > 0)
    asUser(() => {
      for (const file of files) {
        const target = path.resolve(WORKSPACE, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, Buffer.from(file.data, "base64"), { mode: file.mode ?? 0o644 });
      }
    });
  const started = Date.now();
  const marker = `SANDPIT_RUN=${params.runId}`;
  const stdout = new Capture(params.outputLimit);
  const stderr = new Capture(params.outputLimit);
  const kept: [Buffer[], Buffer[]] = [[], []];
  const display = params.display === true ? displayFolderOf(params.runId) : undefined;

  return new Promise((resolve) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      const [file, args] = command(params);
      child = spawnAsUser(file, args, {
        cwd: params.cwd,
        env: {
          ...BASE_ENV,
          ...(params.pty ? { TERM: "xterm-256color" } : {}),
          ...params.env,
          ...(display ? { SANDPIT_DISPLAY: display } : {}),
          SANDPIT_RUN: params.runId,
        },
        detached: true,
        // Made in the switch that enters the workspace (see asUser for why switches are few).
        prepare: display ? () => makeDisplayFolder(display) : undefined,
      });
    } catch (error) {
      if (display) removeTree(display);
      resolve(failedStart(error as Error, started));
      return;
    }
    let timedOut = false;
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    // Inline code lives in the run's folder: its messages name the file as the user knows it.
    const folder = params.cleanupDir?.startsWith(`${STATE_DIR}/runs/`) ? `${params.cleanupDir}/` : undefined;
    const removers = folder ? [new PrefixRemover(folder), new PrefixRemover(folder)] : undefined;
    const emit = (fd: 1 | 2, capture: Capture, data: Buffer): void => {
      const part = capture.take(data);
      if (part.length === 0) return;
      if (stream) ctx.send({ id: ctx.id, type: "out", fd, data: part.toString("base64") });
      else (fd === 1 ? kept[0] : kept[1]).push(part);
    };
    const onData = (fd: 1 | 2, capture: Capture) => (chunk: Buffer) =>
      emit(fd, capture, removers ? (removers[fd - 1] as PrefixRemover).push(chunk) : chunk);
    child.stdout.on("data", onData(1, stdout));
    child.stderr.on("data", onData(2, stderr));
    child.stdin.on("error", () => undefined); // the program may exit without reading its stdin
    // A PTY run keeps its input open for `run.input`; other runs get their stdin, then EOF.
    if (params.pty) {
      if (params.stdin) child.stdin.write(Buffer.from(params.stdin, "base64"));
    } else if (params.stdin) child.stdin.end(Buffer.from(params.stdin, "base64"));
    else child.stdin.end();

    const pid = child.pid;
    preferForOom(pid, 1000);
    const since = pid === undefined ? undefined : startOf(pid);
    const stopAll = async (): Promise<void> => {
      if (pid !== undefined) await killTree(pid, { marker, markedSince: since, groupAndSession: true });
      // What left the tree, the session and the marker still started during the run: it goes too.
      if (since !== undefined) await killEscaped(since);
    };
    const write = (data: Buffer): boolean => {
      if (!params.pty || child.stdin.writableEnded || child.stdin.writableLength > PENDING_INPUT_BYTES) return false;
      child.stdin.write(data);
      return true;
    };
    if (pid !== undefined) {
      runs.set(params.runId, { pid, kill: stopAll, write });
      owner.add(params.runId);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      void stopAll();
    }, params.timeoutMs);

    child.on("error", (error) => {
      clearTimeout(timer);
      runs.delete(params.runId);
      owner.delete(params.runId);
      if (display) removeTree(display);
      resolve(failedStart(error, started));
    });
    let stopped: Promise<void> = Promise.resolve();
    child.on("exit", (code, sig) => {
      exitCode = code;
      signal = sig;
      // The run is over when its main process ends: nothing it started may outlive it (its result
      // waits for that, so the next run never meets what this one left).
      stopped = stopAll().catch(() => undefined);
      if (params.pty) child.stdin.destroy();
      // Streams close once every holder of the pipes is gone; do not wait for ever.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2_000).unref();
    });
    child.on("close", () => void stopped.then(finish));
    const finish = (): void => {
      clearTimeout(timer);
      if (removers) {
        emit(1, stdout, (removers[0] as PrefixRemover).end());
        emit(2, stderr, (removers[1] as PrefixRemover).end());
      }
      const cleanupDir = params.cleanupDir;
      // The run's folders go, and what it showed is read, in one switch to the sandbox user.
      const shown = asUser(() => {
        if (cleanupDir?.startsWith(`${STATE_DIR}/runs/`)) removeTree(cleanupDir);
        return display ? collectDisplay(display) : undefined;
      });
      runs.delete(params.runId);
      owner.delete(params.runId);
      // What the run showed goes before its result, each item in a message of its own.
      for (const item of shown?.items ?? [])
        ctx.send({ id: ctx.id, type: "display", mime: item.mime, data: item.data.toString("base64") });
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
        ...(shown?.skipped ? { displaySkipped: shown.skipped } : {}),
      });
    };
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
