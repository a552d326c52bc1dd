import "server-only";
import { randomBytes } from "node:crypto";
import { Duplex } from "node:stream";
import { ENV_NAME_PATTERN, resolveTimeout, timeoutProblem } from "@/lib/limits";
import type { DisplayOutput } from "./agent/client";
import { RUN_INPUT_BYTES, type DisplayMime, type ProcessResult } from "./agent/inside/protocol";
import type { PtyHandle } from "./engine/driver";
import { InvalidRunError } from "./errors";
import type { LiveSandbox, SandboxManager } from "./manager";
import { encodeOutput, processOutput, type ProcessOutput } from "./output";
import { buildRunCommand, type Language, type RunSource } from "./runners";

export interface RunRequest {
  language: Language;
  source: RunSource;
  args?: string[];
  /** Bytes for the program's stdin; it then reads EOF. */
  stdin?: string | Buffer;
  /** Per-run environment (secrets): passed to the process, never stored or logged. */
  env?: Record<string, string>;
  /** Resolved by the caller (see resolveTimeout); without one, the configured default applies. */
  timeoutMs?: number;
  runId?: string;
  /** A long-running program (interactive runs only): SERVE_LIMIT_MS instead of the run time limit, and the sandbox may sleep under it. */
  serve?: boolean;
}

/** How long a serve run may go at most: a server left running is still ended some day. */
export const SERVE_LIMIT_MS = 12 * 60 * 60_000;

export interface RunResult extends ProcessOutput {
  runId: string;
  /** What the program showed besides its text, in order. */
  outputs: DisplayOutput[];
  /** Items it wanted to show that were left out. */
  outputsSkipped?: number;
}

export type RunEvent =
  | { type: "stdout" | "stderr"; data: Buffer }
  | { type: "display"; mime: DisplayMime; data: Buffer }
  | { type: "exit"; runId: string; exitCode: number; durationMs: number; timedOut: boolean; truncated: boolean };

/** A run event as clients receive it: output as text when it is UTF-8, else base64. */
export type StreamEvent =
  | { type: "stdout" | "stderr"; data: string; encoding: "utf8" | "base64" }
  | { type: "display"; mime: DisplayMime; data: string }
  | { type: "exit"; run_id: string; exit_code: number; duration_ms: number; timed_out: boolean; truncated: boolean };

export function toStreamEvent(event: RunEvent): StreamEvent {
  if (event.type === "display") return { type: "display", mime: event.mime, data: event.data.toString("base64") };
  if (event.type !== "exit") {
    const { text, encoding } = encodeOutput(event.data);
    return { type: event.type, data: text, encoding };
  }
  return {
    type: "exit",
    run_id: event.runId,
    exit_code: event.exitCode,
    duration_ms: event.durationMs,
    timed_out: event.timedOut,
    truncated: event.truncated,
  };
}

/** Checks a per-call env (runs and shell commands alike): names of letters, digits and _. */
export function checkEnv(env: Record<string, string> | undefined): Record<string, string> {
  for (const key of Object.keys(env ?? {})) {
    if (!ENV_NAME_PATTERN.test(key))
      throw new InvalidRunError(`environment variable name "${key}" is invalid; use letters, digits and _`);
  }
  return env ?? {};
}

/**
 * The time limit of a run or shell command in ms, checked again here (this layer is called
 * directly too): the one given, else the configured default, within RUN_TIMEOUT's bounds.
 */
export function checkTimeout(timeoutMs: number | undefined, configuredMs: number): number {
  const { ms, seconds } = resolveTimeout({ run: timeoutMs === undefined ? undefined : timeoutMs / 1000 }, configuredMs);
  const problem = timeoutProblem(seconds);
  if (problem) throw new InvalidRunError(problem);
  return ms;
}

function prepare(manager: SandboxManager, request: RunRequest) {
  const runId = request.runId ?? randomBytes(8).toString("hex");
  const timeoutMs = request.serve ? SERVE_LIMIT_MS : checkTimeout(request.timeoutMs, manager.limits.runTimeoutMs);
  const command = buildRunCommand(request.language, request.source, runId, request.args);
  return {
    runId,
    argv: command.argv,
    files: command.files,
    cleanupDir: command.cleanupDir,
    cwd: "/workspace",
    env: { ...command.env, ...checkEnv(request.env) },
    stdin: request.stdin === undefined ? undefined : Buffer.from(request.stdin).toString("base64"),
    timeoutMs,
    outputLimit: manager.limits.outputBytes,
    display: true,
  };
}

/** Runs code to the end and returns its whole output. */
export async function run(manager: SandboxManager, sessionId: string, request: RunRequest): Promise<RunResult> {
  const params = prepare(manager, request);
  const outputs: DisplayOutput[] = [];
  const result = await manager.use(sessionId, (sandbox) =>
    sandbox.agent.request("run", params, { onDisplay: (output) => outputs.push(output) }),
  );
  return {
    runId: params.runId,
    ...processOutput(result),
    outputs,
    ...(result.displaySkipped ? { outputsSkipped: result.displaySkipped } : {}),
  };
}

/**
 * Runs code and yields its output as it comes, in order, then exactly one `exit` event, sent only
 * after the process tree has ended. Stopping the iteration early stops the run.
 */
export async function* runStream(manager: SandboxManager, sessionId: string, request: RunRequest): AsyncGenerator<RunEvent> {
  const params = prepare(manager, request);
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let finished = false;
  const push = (event: RunEvent): void => {
    queue.push(event);
    wake?.();
  };
  // What waits here for a slow reader is bounded by the output limit per stream, whatever the agent sends.
  const kept: [number, number] = [0, 0];
  let clipped = false;
  const output = (fd: 1 | 2, data: Buffer): void => {
    const index = fd === 1 ? 0 : 1;
    const room = params.outputLimit - kept[index];
    const part = data.length > room ? data.subarray(0, Math.max(0, room)) : data;
    if (part.length < data.length) clipped = true;
    if (part.length === 0) return;
    kept[index] += part.length;
    push({ type: fd === 1 ? "stdout" : "stderr", data: part });
  };
  let agentKill: (() => void) | undefined;
  void manager
    .use(sessionId, (sandbox) => {
      agentKill = () => void sandbox.agent.request("kill", { runId: params.runId }).catch(() => undefined);
      return sandbox.agent.request(
        "run",
        { ...params, stream: true },
        {
          onOutput: (fd, data) => output(fd === 1 ? 1 : 2, data),
          onDisplay: ({ mime, data }) => push({ type: "display", mime, data }),
        },
      );
    })
    .then(
      (result: ProcessResult) => {
        push({
          type: "exit",
          runId: params.runId,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          timedOut: result.timedOut,
          truncated: result.truncated || clipped,
        });
        finished = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
        finished = true;
        wake?.();
      },
    );
  try {
    for (;;) {
      const event = queue.shift();
      if (event) {
        yield event;
        if (event.type === "exit") return;
        continue;
      }
      if (finished) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    if (!finished) agentKill?.();
  }
}

/** Stops a run that is in progress; true when there was one. */
export async function stopRun(manager: SandboxManager, sessionId: string, runId: string): Promise<boolean> {
  const sandbox = manager.peek(sessionId);
  if (!sandbox) return false;
  return (await sandbox.agent.request("kill", { runId })).killed;
}

/** A run with a terminal: the PTY's bytes both ways, its exit, and a stop that waits for the tree to be gone. */
export interface InteractiveRun extends PtyHandle {
  runId: string;
  /** The run's result once it ended (output travels on `stream`, not here). */
  result: Promise<ProcessResult>;
  stop(): Promise<boolean>;
}

/**
 * Starts a run attached to a PTY and answers at once: output (stdout and stderr merged, as a
 * terminal shows them) comes on `stream`, bytes written to `stream` are typed into the terminal.
 */
export function openRun(manager: SandboxManager, sessionId: string, request: RunRequest): InteractiveRun {
  const base = prepare(manager, request);
  // Unbuffered Python, so prompts and prints show as they are written.
  const params = { ...base, env: { PYTHONUNBUFFERED: "1", ...base.env }, stream: true, pty: true };
  let agent: LiveSandbox["agent"] | undefined;
  let started: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (started = resolve));
  let ended = false;
  const outputs: DisplayOutput[] = [];
  let skipped = 0;
  const stream = new Duplex({
    read() {},
    // Whoever lets the terminal go (closed, swept as idle, over the session's limit) ends the run:
    // a run nobody holds any more would go on untracked, outside the session's count of runs.
    destroy(error, callback) {
      void stop().catch(() => undefined);
      callback(error);
    },
    write(chunk: Buffer, _encoding, callback) {
      void (async () => {
        await ready;
        for (let at = 0; at < chunk.length && !ended; at += RUN_INPUT_BYTES) {
          const data = chunk.subarray(at, at + RUN_INPUT_BYTES).toString("base64");
          await agent?.request("run.input", { runId: params.runId, data });
        }
      })().then(
        () => callback(),
        () => callback(), // the run ended meanwhile: what was typed has nobody to read it
      );
    },
  });
  const attach = (sandbox: LiveSandbox): Promise<ProcessResult> => {
    agent = sandbox.agent;
    started();
    return sandbox.agent.request("run", params, {
      onOutput: (_fd, data) => stream.push(data),
      onDisplay: (output) => outputs.push(output),
    });
  };
  // A served program does not keep the sandbox awake by itself: an open preview (or other use) does.
  const result = (request.serve ? manager.ensure(sessionId).then(attach) : manager.use(sessionId, attach)).finally(() => {
    ended = true;
    started();
  });
  // The exit is told only once every byte of output has been handed on, so a reader never sees
  // the exit before the output that came before it.
  const drained = new Promise<void>((resolve) => stream.once("end", resolve));
  const exited = result
    .then(
      (value) => {
        skipped = value.displaySkipped ?? 0;
        return value.exitCode;
      },
      (error: unknown) => {
        stream.push(Buffer.from(`\r\n${error instanceof Error ? error.message : String(error)}\r\n`));
        return 1;
      },
    )
    .then(async (code) => {
      stream.push(null);
      await drained;
      return code;
    });
  const stop = async (): Promise<boolean> => {
    await ready;
    if (ended || !agent) return false;
    return (await agent.request("kill", { runId: params.runId })).killed;
  };
  return {
    runId: params.runId,
    stream,
    result,
    stop,
    resize: () => Promise.resolve(), // the terminal's size stays the PTY's default
    exited: () => exited,
    // What the program showed comes with its exit, as the REST API's run result carries it.
    exitDetails: () => ({
      outputs: outputs.map(({ mime, data }) => ({ mime, data: data.toString("base64") })),
      ...(skipped ? { outputs_skipped: skipped } : {}),
    }),
  };
}
