import "server-only";
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { and, desc, eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { ExecView, ExecuteView, RunRecord, RunView } from "@/lib/api/responses";
import { execSchema, executeSchema, runSchema, type RunInput } from "@/lib/api/schemas";
import type { LanguageId } from "@/lib/languages";
import { LIST_LIMITS, PACKAGE_TYPES_LIMITS } from "@/lib/limits";
import type { Database } from "@/server/db/client";
import { runs, shells as shellsTable } from "@/server/db/schema";
import * as files from "@/server/sandbox/files";
import type { FileWatches } from "@/server/sandbox/file-watch";
import type { WorkspaceChange } from "@/server/sandbox/agent/results";
import type { SandboxManager } from "@/server/sandbox/manager";
import { packageTypes, type PackageTypes } from "@/server/sandbox/package-types";
import * as sandboxRuns from "@/server/sandbox/runs";
import type { RunEvent, RunRequest, RunResult } from "@/server/sandbox/runs";
import * as sandboxShells from "@/server/sandbox/shells";
import type { Caller } from "./caller";
import { CHANGES_FILE_BYTES, compareCopies, type CopyChanges } from "./copy-changes";
import { InvalidRequestError } from "./errors";
import type { SessionService } from "./service";
import type { Terminal, TerminalRegistry } from "./terminals";
import { parseInput } from "./validation";

export type { ExecView, RunRecord, RunView } from "@/lib/api/responses";

/** A finished run as the metrics count it: seconds from its request to its result. */
export interface FinishedRun {
  language: string;
  seconds: number;
  exitCode: number;
  timedOut: boolean;
}

function runView(sessionId: string, result: RunResult): RunView {
  return {
    run_id: result.runId,
    session_id: sessionId,
    exit_code: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    stdout_encoding: result.stdoutEncoding,
    stderr_encoding: result.stderrEncoding,
    duration: result.durationMs,
    duration_ms: result.durationMs,
    timed_out: result.timedOut,
    truncated: result.truncated,
    outputs: result.outputs.map(({ mime, data }) => ({ mime, data: data.toString("base64") })),
    ...(result.outputsSkipped ? { outputs_skipped: result.outputsSkipped } : {}),
  };
}

/** What people and programs do inside a session: runs, shells and files. */
export class SessionActions {
  /** How often a long-lived follower of a workspace has its access checked again. */
  watchRecheckMs = 10_000;

  constructor(
    private readonly sessions: SessionService,
    private readonly sandboxes: SandboxManager,
    private readonly db: Database,
    private readonly log: Logger,
    private readonly terminals: TerminalRegistry,
    /** The PTYs of interactive runs, by run id, with their replayable output. */
    private readonly runTerminals: TerminalRegistry,
    /** Changes to workspaces, for those following a session's files. */
    private readonly fileWatches: FileWatches,
    /** Told of every run that finished (the metrics). */
    private readonly onRunFinished: (run: FinishedRun) => void = () => undefined,
  ) {}

  private async request(caller: Caller, sessionId: string, input: RunInput): Promise<RunRequest> {
    const session = await this.sessions.authorize(caller, sessionId, "run");
    const value = parseInput(runSchema, input);
    const entry = value.file ?? (value.code === undefined ? session.entryFile : null);
    if (value.code === undefined && !entry) {
      throw new InvalidRequestError(
        "no code given and the session has no entry_file: send code, a file, or set entry_file first",
      );
    }
    return {
      language: (value.language ?? session.language) as LanguageId,
      source: value.code !== undefined ? { code: value.code } : { entry: entry as string },
      args: value.args,
      stdin: value.stdin,
      env: value.env,
      timeoutMs: this.sessions.timeoutFor(session, value.timeout).ms,
      runId: `r-${randomBytes(8).toString("hex")}`,
      serve: value.serve === true,
    };
  }

  /** A request for a run that ends by itself: serve mode is for interactive runs, which can be stopped. */
  private async finiteRequest(caller: Caller, sessionId: string, input: RunInput): Promise<RunRequest> {
    const request = await this.request(caller, sessionId, input);
    if (request.serve) throw new InvalidRequestError("serve is for interactive runs: start it with POST /api/sessions/{id}/runs");
    return request;
  }

  private async record(
    sessionId: string,
    request: RunRequest,
    result: { runId: string; exitCode: number; durationMs: number; timedOut: boolean; truncated: boolean },
    bytes: [number, number],
    started: number,
  ): Promise<void> {
    this.finished(request.language, result, started);
    // Metadata only: the env (secrets) and the output are never written.
    await this.db.insert(runs).values({
      id: result.runId,
      sessionId,
      language: request.language,
      source: request.source.code !== undefined ? "code" : request.source.entry,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      truncated: result.truncated,
      stdoutBytes: bytes[0],
      stderrBytes: bytes[1],
      envCount: Object.keys(request.env ?? {}).length,
    });
    await this.sessions.touch(sessionId);
  }

  private finished(language: string, result: { exitCode: number; timedOut: boolean }, started: number): void {
    const { exitCode, timedOut } = result;
    this.onRunFinished({ language, seconds: (Date.now() - started) / 1000, exitCode, timedOut });
  }

  async run(caller: Caller, sessionId: string, input: RunInput): Promise<RunView> {
    const started = Date.now();
    const request = await this.finiteRequest(caller, sessionId, input);
    const result = await sandboxRuns.run(this.sandboxes, sessionId, request);
    const bytes: [number, number] = [Buffer.byteLength(result.stdout), Buffer.byteLength(result.stderr)];
    await this.record(sessionId, request, result, bytes, started);
    return runView(sessionId, result);
  }

  /** Validates first (so a bad request fails before streaming starts), then streams. */
  async runStream(caller: Caller, sessionId: string, input: RunInput): Promise<AsyncGenerator<RunEvent>> {
    const started = Date.now();
    const request = await this.finiteRequest(caller, sessionId, input);
    const stream = sandboxRuns.runStream(this.sandboxes, sessionId, request);
    const record = this.record.bind(this);
    return (async function* recorded(): AsyncGenerator<RunEvent> {
      const bytes: [number, number] = [0, 0];
      for await (const event of stream) {
        if (event.type === "exit") await record(sessionId, request, event, bytes, started);
        else bytes[event.type === "stdout" ? 0 : 1] += event.data.length;
        yield event;
      }
    })();
  }

  /** Starts a run attached to a PTY and answers its id at once; its output and input go by `interactiveRun`. */
  async startInteractiveRun(caller: Caller, sessionId: string, input: RunInput): Promise<{ runId: string }> {
    const started = Date.now();
    const request = await this.request(caller, sessionId, input);
    this.runTerminals.checkRoom(sessionId);
    const opened = sandboxRuns.openRun(this.sandboxes, sessionId, request);
    let bytes = 0;
    opened.stream.on("data", (data: Buffer) => (bytes += data.length));
    const terminal = this.runTerminals.add(sessionId, opened, opened.runId);
    void opened.result.then(
      (result) => this.record(sessionId, request, { runId: opened.runId, ...result }, [bytes, 0], started),
      (error: unknown) => this.log.warn({ err: error, sessionId, runId: opened.runId }, "interactive run failed"),
    );
    return { runId: terminal.id };
  }

  /** An interactive run of the session: its replayable output, and input typed into its PTY. */
  async interactiveRun(caller: Caller, sessionId: string, runId: string): Promise<Terminal> {
    await this.sessions.authorize(caller, sessionId, "run");
    return this.runTerminals.get(sessionId, runId);
  }

  /** Stops a run (its whole process tree); answers once nothing of it is left. */
  async stopRun(caller: Caller, sessionId: string, runId: string): Promise<boolean> {
    await this.sessions.authorize(caller, sessionId, "run");
    return sandboxRuns.stopRun(this.sandboxes, sessionId, runId);
  }

  async recentRuns(caller: Caller, sessionId: string, limit: number = LIST_LIMITS.runs.default): Promise<RunRecord[]> {
    await this.sessions.authorize(caller, sessionId, "read");
    const rows = await this.db
      .select()
      .from(runs)
      .where(eq(runs.sessionId, sessionId))
      .orderBy(desc(runs.createdAt))
      .limit(Math.min(limit, LIST_LIMITS.runs.max));
    return rows.map((row) => ({
      id: row.id,
      language: row.language,
      source: row.source,
      exit_code: row.exitCode,
      duration_ms: row.durationMs,
      timed_out: row.timedOut,
      truncated: row.truncated,
      created_at: row.createdAt.toISOString(),
    }));
  }

  /** One run in a throwaway sandbox, removed right after. */
  async execute(input: unknown): Promise<ExecuteView> {
    const started = Date.now();
    const value = parseInput(executeSchema, input);
    const sessionId = `x-${randomBytes(8).toString("hex")}`;
    try {
      const result = await sandboxRuns.run(this.sandboxes, sessionId, {
        language: value.language,
        source: { code: value.code },
        args: value.args,
        stdin: value.stdin,
        env: value.env,
        timeoutMs: this.sessions.timeoutFor(undefined, value.timeout).ms,
      });
      this.finished(value.language, result, started);
      const { session_id: _ignored, ...view } = runView(sessionId, result);
      return view;
    } finally {
      await this.sandboxes
        .destroy(sessionId)
        .catch((error: unknown) => this.log.warn({ err: error, sessionId }, "could not remove a throwaway sandbox"));
    }
  }

  async exec(caller: Caller, sessionId: string, input: unknown): Promise<ExecView> {
    const session = await this.sessions.authorize(caller, sessionId, "run");
    const value = parseInput(execSchema, input);
    const shell = value.shell_id ?? sandboxShells.DEFAULT_SHELL;
    const result = await sandboxShells.exec(this.sandboxes, sessionId, {
      command: value.command,
      shell,
      cwd: value.cwd,
      env: value.env,
      timeoutMs: this.sessions.timeoutFor(session, value.timeout).ms,
    });
    await this.db.insert(shellsTable).values({ sessionId, shellId: shell }).onConflictDoNothing();
    await this.sessions.touch(sessionId);
    return {
      shell_id: shell,
      stdout: result.stdout,
      stderr: result.stderr,
      stdout_encoding: result.stdoutEncoding,
      stderr_encoding: result.stderrEncoding,
      exit_code: result.exitCode,
      duration_ms: result.durationMs,
      timed_out: result.timedOut,
      truncated: result.truncated,
      shell_ended: result.shellEnded,
      restarted: result.restarted,
      ...(result.message ? { message: result.message } : {}),
    };
  }

  async createShell(caller: Caller, sessionId: string, shellId?: string): Promise<{ shell_id: string }> {
    await this.sessions.authorize(caller, sessionId, "run");
    const info = await sandboxShells.createShell(this.sandboxes, sessionId, shellId);
    await this.db.insert(shellsTable).values({ sessionId, shellId: info.shell }).onConflictDoNothing();
    return { shell_id: info.shell };
  }

  async listShells(
    caller: Caller,
    sessionId: string,
  ): Promise<Array<{ shell_id: string; alive: boolean; busy: boolean; cwd: string | null }>> {
    await this.sessions.authorize(caller, sessionId, "read");
    const live = new Map((await sandboxShells.listShells(this.sandboxes, sessionId)).map((s) => [s.shell, s]));
    const known = await this.db
      .select()
      .from(shellsTable)
      .where(eq(shellsTable.sessionId, sessionId))
      .orderBy(shellsTable.createdAt);
    const ids = [...new Set([...known.map((k) => k.shellId), ...live.keys()])];
    return ids.map((id) => {
      const info = live.get(id);
      return { shell_id: id, alive: info?.alive ?? false, busy: info?.busy ?? false, cwd: info?.cwd ?? null };
    });
  }

  async deleteShell(caller: Caller, sessionId: string, shellId: string): Promise<void> {
    await this.sessions.authorize(caller, sessionId, "run");
    // Keyed by session and shell: another session's shell with the same id stays registered.
    const known = await this.db
      .delete(shellsTable)
      .where(and(eq(shellsTable.sessionId, sessionId), eq(shellsTable.shellId, shellId)))
      .returning();
    try {
      await sandboxShells.deleteShell(this.sandboxes, sessionId, shellId);
    } catch (error) {
      if (known.length === 0) throw error; // neither registered nor alive: it does not exist
    }
  }

  /** A new terminal (PTY) on the session's shell, registered for the browser to talk to. */
  async openTerminal(
    caller: Caller,
    sessionId: string,
    options: { shell?: string; cols: number; rows: number },
  ): Promise<Terminal> {
    await this.sessions.authorize(caller, sessionId, "run");
    this.terminals.checkRoom(sessionId); // before a PTY is opened; add() checks again for two at once
    const pty = await sandboxShells.openTerminal(this.sandboxes, sessionId, options);
    return this.terminals.add(sessionId, pty);
  }

  /** An open terminal of the session, for those who may run code in it (its output is theirs too). */
  async terminal(caller: Caller, sessionId: string, terminalId: string): Promise<Terminal> {
    await this.sessions.authorize(caller, sessionId, "run");
    return this.terminals.get(sessionId, terminalId);
  }

  async closeTerminal(caller: Caller, sessionId: string, terminalId: string): Promise<void> {
    await this.sessions.authorize(caller, sessionId, "run");
    this.terminals.remove(sessionId, terminalId);
  }

  async listFiles(caller: Caller, sessionId: string, dir = ".", recursive = true): Promise<files.FileEntry[]> {
    await this.sessions.authorize(caller, sessionId, "read");
    return files.listFiles(this.sandboxes, sessionId, dir, recursive);
  }

  /**
   * The session's workspace changes (whoever made them) until `signal` aborts, for those who may
   * read its files. Following does not wake the sandbox: changes come while it runs.
   */
  async *watchFiles(caller: Caller, sessionId: string, signal: AbortSignal): AsyncGenerator<WorkspaceChange> {
    await this.sessions.authorize(caller, sessionId, "read");
    let checked = Date.now();
    for await (const change of this.fileWatches.changes(sessionId, signal)) {
      // A follower whose access ended (a revoked link, a deleted session) stops being told.
      if (Date.now() - checked >= this.watchRecheckMs) {
        await this.sessions.authorize(caller, sessionId, "read");
        checked = Date.now();
      }
      yield change;
    }
  }

  /**
   * What a student changed in their class copy against the template's files now, for the teacher
   * who owns the template: counts and a diff per text file. Both sandboxes are used (woken if asleep).
   */
  async copyChanges(caller: Caller, copyId: string): Promise<CopyChanges> {
    const templateId = await this.sessions.templateOfCopy(caller, copyId);
    const ids = { template: templateId, copy: copyId } as const;
    const [template, copy] = await Promise.all([
      files.listFiles(this.sandboxes, templateId, ".", true),
      files.listFiles(this.sandboxes, copyId, ".", true),
    ]);
    const sizes = { template: new Map<string, number>(), copy: new Map<string, number>() };
    for (const entry of template) if (entry.type === "file") sizes.template.set(entry.path, entry.size);
    for (const entry of copy) if (entry.type === "file") sizes.copy.set(entry.path, entry.size);
    return compareCopies(templateId, [...sizes.template.keys()], [...sizes.copy.keys()], async (side, path) => {
      if ((sizes[side].get(path) ?? 0) > CHANGES_FILE_BYTES) return null;
      // Read with the same cap: a file that grew after it was listed is not read whole.
      return (await files.readFile(this.sandboxes, ids[side], path, CHANGES_FILE_BYTES)).data;
    });
  }

  /**
   * The type declarations of the npm packages the session's setup installed (their own and
   * `@types/*`), for the editor; none without a setup. Read in the sandbox, as the sandbox user.
   */
  async packageTypes(caller: Caller, sessionId: string): Promise<PackageTypes> {
    const session = await this.sessions.get(caller, sessionId);
    const named = session.setup_result?.npm_packages ?? [];
    if (session.setup_status === "none") return { files: [], truncated: false, skipped: 0, limits: PACKAGE_TYPES_LIMITS };
    // "name@range" → "name" (a scope's @ stays).
    const first = named.map((spec) => spec.replace(/(?<=.)@.*$/, ""));
    return packageTypes(this.sandboxes, sessionId, first);
  }

  async readFile(caller: Caller, sessionId: string, path: string): Promise<{ data: Buffer; entry: files.FileEntry }> {
    await this.sessions.authorize(caller, sessionId, "read");
    return files.readFile(this.sandboxes, sessionId, path);
  }

  async streamFile(caller: Caller, sessionId: string, path: string): Promise<{ stream: Readable; entry: files.FileEntry }> {
    await this.sessions.authorize(caller, sessionId, "read");
    return files.streamFile(this.sandboxes, sessionId, path);
  }

  async writeFile(caller: Caller, sessionId: string, path: string, data: Buffer, mode?: number): Promise<files.FileEntry> {
    await this.sessions.authorize(caller, sessionId, "write");
    return files.writeFile(this.sandboxes, sessionId, path, data, mode);
  }

  async makeDirectory(caller: Caller, sessionId: string, path: string): Promise<files.FileEntry> {
    await this.sessions.authorize(caller, sessionId, "write");
    return files.makeDirectory(this.sandboxes, sessionId, path);
  }

  async moveFile(caller: Caller, sessionId: string, from: string, to: string): Promise<files.FileEntry> {
    await this.sessions.authorize(caller, sessionId, "write");
    return files.moveFile(this.sandboxes, sessionId, from, to);
  }

  async deleteFile(caller: Caller, sessionId: string, path: string, recursive = false): Promise<void> {
    await this.sessions.authorize(caller, sessionId, "write");
    await files.deleteFile(this.sandboxes, sessionId, path, recursive);
  }

  async download(caller: Caller, sessionId: string): Promise<Readable> {
    await this.sessions.authorize(caller, sessionId, "read");
    return files.downloadWorkspace(this.sandboxes, sessionId);
  }

  async upload(caller: Caller, sessionId: string, archive: Readable): Promise<{ files: number }> {
    await this.sessions.authorize(caller, sessionId, "write");
    return files.uploadWorkspace(this.sandboxes, sessionId, archive);
  }
}
