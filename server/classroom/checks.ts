import "server-only";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { and, desc, eq, inArray, isNotNull, isNull, lte, or } from "drizzle-orm";
import type { Logger } from "pino";
import {
  ASSIGNMENT_LIMITS,
  assignmentInputSchema,
  CHECK_OUTPUT_CHARS,
  type AssignmentView,
  type CheckFeedback,
  type CheckResultView,
  type CheckStatusView,
} from "@/lib/checks/assignment";
import { parseCheckOutput, type TestResult } from "@/lib/checks/results";
import type { Database } from "@/server/db/client";
import { assignments, checkResults, sessions } from "@/server/db/schema";
import { FileNotFoundError } from "@/server/sandbox/errors";
import * as files from "@/server/sandbox/files";
import type { SandboxManager } from "@/server/sandbox/manager";
import * as shells from "@/server/sandbox/shells";
import { identityOf, ownerOf, SYSTEM, type Caller } from "@/server/sessions/caller";
import { ForbiddenError, InvalidRequestError, RateLimitedError } from "@/server/sessions/errors";
import type { ClassProgress, SessionRow, SessionService } from "@/server/sessions/service";
import { InvalidInputError } from "@/server/sessions/validation";

type AssignmentRow = typeof assignments.$inferSelect;
type CheckRow = typeof checkResults.$inferSelect;

/** Where Sandpit's own runner for pytest-style test functions is put in a checked copy. */
export const TEST_FUNCTIONS_RUNNER = ".sandpit-check/test_functions.py";
const RUNNER_SOURCE = path.join(process.cwd(), "server", "classroom", "runners", "test_functions.py");

const CLASS_COPY_HAS_NONE = "a class copy has no assignment of its own: its teacher sets one on the template";

/** Checks running at once on this server: each is a sandbox of its own. */
const CHECKS_AT_ONCE = 2;
/** Checks waiting for their turn at most; more are refused (429) until some are done. */
const CHECKS_WAITING = 200;

export interface CheckServiceOptions {
  db: Database;
  sessions: SessionService;
  sandboxes: SandboxManager;
  log: Logger;
  /** Checks kept per session, newest first (default CHECKS_KEPT); older ones are deleted. */
  kept?: number;
}

/** A session's checks kept: a student pressing Check all term does not fill the database. */
export const CHECKS_KEPT = 50;

function assignmentView(sessionId: string, row: AssignmentRow | undefined): AssignmentView {
  return {
    session_id: sessionId,
    command: row?.command ?? null,
    files: (row?.files ?? []).map((file) => ({ ...file, bytes: Buffer.byteLength(file.content) })),
    feedback: row?.feedback ?? "messages",
    timeout_seconds: row?.timeoutSeconds ?? ASSIGNMENT_LIMITS.timeoutSeconds.default,
    deadline: row?.deadline?.toISOString() ?? null,
    updated_at: row?.updatedAt.toISOString() ?? null,
  };
}

/** The line Sandpit adds for a command that failed or ran out of time: its name is Sandpit's own. */
const COMMAND_LINE = "the test command";

/**
 * A check as one caller may see it: teachers see everything; students what the feedback allows.
 * A test's name is printed by the tests' process, where the student's code runs too, so it could
 * carry what that code read of the hidden files: below "output", students see the names the
 * teacher's own check of the template listed (`reference`), and others not at all; without such a
 * check, "results" numbers the tests instead of naming them.
 */
function checkView(row: CheckRow, feedback: CheckFeedback | "all", reference: Set<string> | null = null): CheckResultView {
  let tests: TestResult[] = row.tests.map((test) => ({ ...test, message: feedback === "results" ? null : test.message }));
  if (feedback === "results" || feedback === "messages") {
    if (reference) tests = tests.filter((test) => test.name === COMMAND_LINE || reference.has(test.name));
    else if (feedback === "results")
      tests = tests.map((test, index) => (test.name === COMMAND_LINE ? test : { ...test, name: `test ${index + 1}` }));
  }
  return {
    id: row.id,
    session_id: row.sessionId,
    status: row.status,
    passed: row.passed,
    failed: row.failed,
    skipped: row.skipped,
    tests,
    output: feedback === "output" || feedback === "all" ? row.output : null,
    problem: row.problem,
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * The check queue: at most `limit` checks at once, and a fair turn for everyone waiting. Each
 * person (owner id) has one check running or waiting at a time; the next to start is the person
 * who waited longest, so one person's slow checks never hold up a class. At most `waiting` wait.
 */
class CheckQueue {
  private running = 0;
  private readonly busy = new Set<string>();
  private readonly waiting: Array<{ who: string; start: () => void }> = [];
  constructor(
    private readonly limit: number,
    private readonly most: number,
  ) {}

  async run<T>(who: string, task: () => Promise<T>): Promise<T> {
    if (this.busy.has(who)) throw new RateLimitedError("one check at a time: your other check is still running or waiting", 5);
    if (this.waiting.length >= this.most) throw new RateLimitedError("too many checks are waiting on this server", 10);
    this.busy.add(who);
    try {
      if (this.running >= this.limit) await new Promise<void>((start) => this.waiting.push({ who, start }));
      this.running += 1;
      try {
        return await task();
      } finally {
        this.running -= 1;
        this.waiting.shift()?.start();
      }
    } finally {
      this.busy.delete(who);
    }
  }
}

/**
 * Assignments with hidden tests. A template's owner sets a test command and files that live only
 * in the database; Check copies a session's work into a throwaway sandbox (no network, the same
 * setup), lays the hidden files over it, runs the command there and removes the copy. The hidden
 * files never enter the checked session's workspace, so no route to a workspace (files, runs,
 * shells, archives, forks, snapshots, MCP) reaches them.
 */
export class CheckService {
  private readonly queue = new CheckQueue(CHECKS_AT_ONCE, CHECKS_WAITING);
  /** The check in progress per session: pressing Check again while it runs gets the same result. */
  private readonly inFlight = new Map<string, Promise<CheckRow>>();

  constructor(private readonly options: CheckServiceOptions) {}

  /** The template's assignment, for its owner only (others: "does not exist"). */
  async assignment(caller: Caller, templateId: string): Promise<AssignmentView> {
    const template = await this.options.sessions.authorize(caller, templateId, "write");
    if (template.classCopy) throw new InvalidRequestError(CLASS_COPY_HAS_NONE);
    const [row] = await this.options.db.select().from(assignments).where(eq(assignments.sessionId, templateId));
    return assignmentView(templateId, row);
  }

  /** Sets what is given of the template's assignment (validated; `files` replaces all hidden files). */
  async setAssignment(caller: Caller, templateId: string, input: unknown): Promise<AssignmentView> {
    const parsed = assignmentInputSchema.safeParse(input);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    const template = await this.options.sessions.authorize(caller, templateId, "write");
    if (template.classCopy) throw new InvalidRequestError(CLASS_COPY_HAS_NONE);
    const value = parsed.data;
    const patch = {
      ...(value.command !== undefined ? { command: value.command } : {}),
      ...(value.files !== undefined ? { files: value.files } : {}),
      ...(value.feedback !== undefined ? { feedback: value.feedback } : {}),
      ...(value.timeout_seconds !== undefined ? { timeoutSeconds: value.timeout_seconds } : {}),
      ...(value.deadline !== undefined ? { deadline: value.deadline === null ? null : new Date(value.deadline) } : {}),
      updatedAt: new Date(),
    };
    await this.options.db
      .insert(assignments)
      .values({ sessionId: templateId, ...patch })
      .onConflictDoUpdate({ target: assignments.sessionId, set: patch });
    this.options.log.info({ sessionId: templateId, files: value.files?.length }, "assignment changed");
    if (value.deadline) await this.closeDue(templateId);
    return this.assignment(caller, templateId);
  }

  /**
   * Moves files of the teacher's own template workspace into its hidden files (replacing hidden
   * files of the same path): they leave the workspace, so class copies made afterwards lack them.
   */
  async hideFiles(caller: Caller, templateId: string, paths: string[]): Promise<AssignmentView> {
    const current = await this.assignment(caller, templateId);
    if (paths.length === 0) throw new InvalidRequestError("name the files to hide");
    const { sandboxes } = this.options;
    const entries = await files.listFiles(sandboxes, templateId, ".", true);
    const chosen = new Set<string>();
    /** Folders asked for: they go too, with the files they held, so no empty folder is left for copies. */
    const folders = new Set<string>();
    for (const asked of paths) {
      const normalized = files.workspacePath(asked);
      if (normalized === ".") throw new InvalidRequestError("name files or folders inside the workspace, not all of it");
      const matches = entries.filter(
        (entry) => entry.type === "file" && (entry.path === normalized || entry.path.startsWith(`${normalized}/`)),
      );
      if (matches.length === 0) throw new InvalidRequestError(`${asked} is not a file or folder of this session`);
      for (const entry of matches) chosen.add(entry.path);
      if (entries.some((entry) => entry.type === "directory" && entry.path === normalized)) folders.add(normalized);
    }
    const moved = await Promise.all(
      [...chosen].map(async (file) => {
        const { data } = await files.readFile(sandboxes, templateId, file, ASSIGNMENT_LIMITS.fileBytes);
        const content = new TextDecoder("utf-8", { fatal: true }).decode(data, { stream: false });
        return { path: file, content };
      }),
    ).catch((error: unknown) => {
      if (error instanceof TypeError) throw new InvalidRequestError("hidden files are text: one of these is not UTF-8 text");
      throw error;
    });
    const kept = current.files.filter((file) => !chosen.has(file.path)).map(({ path: p, content }) => ({ path: p, content }));
    const view = await this.setAssignment(caller, templateId, { files: [...kept, ...moved] });
    for (const file of chosen) await files.deleteFile(sandboxes, templateId, file);
    for (const folder of folders) await files.deleteFile(sandboxes, templateId, folder, true);
    return view;
  }

  /**
   * Who may press Check on a session, and against which template's tests: its owner (a student's
   * own copy, or a teacher's template), and the teacher who owns the copy's template.
   */
  private async checked(caller: Caller, id: string): Promise<{ row: SessionRow; templateId: string; teacher: boolean }> {
    return this.checkerOf(caller, await this.options.sessions.authorize(caller, id, "read"));
  }

  /** Whether a caller who may read the session may check it, and as its teacher or its owner. */
  private async checkerOf(caller: Caller, row: SessionRow): Promise<{ row: SessionRow; templateId: string; teacher: boolean }> {
    const owner = ownerOf(identityOf(caller));
    const own = caller.kind === "system" || row.owner === null || (owner !== undefined && row.owner === owner);
    const templateId = row.classCopy && row.forkedFrom ? row.forkedFrom : row.id;
    let teacher = templateId === row.id ? own : false;
    if (!teacher && templateId !== row.id && owner) {
      const [template] = await this.options.db
        .select({ owner: sessions.owner })
        .from(sessions)
        .where(eq(sessions.id, templateId));
      teacher = template?.owner === owner;
    }
    // A share link's visitor may look at a session, never check it (its checks would be theirs).
    if (!own && !teacher) throw new ForbiddenError("only this session's owner and their teacher can check it");
    return { row, templateId, teacher };
  }

  /** The test names of the teacher's latest check of the template itself, if one ran. */
  private async reference(templateId: string): Promise<Set<string> | null> {
    const [row] = await this.options.db
      .select({ tests: checkResults.tests })
      .from(checkResults)
      .where(and(eq(checkResults.sessionId, templateId), eq(checkResults.templateId, templateId)))
      .orderBy(desc(checkResults.createdAt))
      .limit(1);
    return row && row.tests.length > 0 ? new Set(row.tests.map((test) => test.name)) : null;
  }

  /** How a student sees a check of theirs: the assignment's feedback, and the teacher's test names. */
  private async studentView(row: CheckRow, templateId: string, feedback: CheckFeedback): Promise<CheckResultView> {
    return checkView(row, feedback, await this.reference(templateId));
  }

  private async assignmentRow(templateId: string): Promise<AssignmentRow | undefined> {
    const [row] = await this.options.db.select().from(assignments).where(eq(assignments.sessionId, templateId));
    return row;
  }

  /**
   * Stops the sandboxes of class copies whose deadline has passed (their work is saved): nothing a
   * student started before the deadline goes on changing a closed copy. Of one template, or of all.
   */
  async closeDue(templateId?: string): Promise<string[]> {
    const { db, sandboxes, log } = this.options;
    const now = new Date();
    const due = await db
      .select({ id: sessions.id })
      .from(sessions)
      .leftJoin(assignments, eq(assignments.sessionId, sessions.forkedFrom))
      .where(
        and(
          eq(sessions.classCopy, true),
          templateId ? eq(sessions.forkedFrom, templateId) : undefined,
          or(
            and(isNotNull(sessions.deadline), lte(sessions.deadline, now)),
            and(isNull(sessions.deadline), lte(assignments.deadline, now)),
          ),
        ),
      );
    const closed: string[] = [];
    for (const { id } of due) {
      if ((await sandboxes.state(id)) !== "running") continue;
      await sandboxes.hibernate(id).then(
        () => closed.push(id),
        (error: unknown) => log.warn({ err: error, sessionId: id }, "could not stop a closed class copy"),
      );
    }
    if (closed.length > 0) log.info({ sessions: closed }, "class copies closed at their deadline");
    return closed;
  }

  /** Checks every `ms` for class copies whose deadline passed, and stops their sandboxes. */
  startDeadlineSweeper(ms = 30_000): void {
    setInterval(() => void this.closeDue().catch(() => undefined), ms).unref();
  }

  /** One student's own deadline (or the class's again), for their teacher; closes the copy if it is due. */
  async setCopyDeadline(caller: Caller, copyId: string, deadline: string | null): Promise<{ deadline: string | null }> {
    const result = await this.options.sessions.setCopyDeadline(caller, copyId, deadline);
    const templateId = await this.options.sessions.templateOfCopy(caller, copyId);
    await this.closeDue(templateId);
    return result;
  }

  /** Whether Check is offered on a session, its deadline, and its latest check as the caller may see it. */
  async status(caller: Caller, id: string): Promise<CheckStatusView> {
    const row = await this.options.sessions.authorize(caller, id, "read");
    const templateId = row.classCopy && row.forkedFrom ? row.forkedFrom : row.id;
    const assignment = await this.assignmentRow(templateId);
    const deadline = row.classCopy ? await this.options.sessions.deadlineOf(row) : (assignment?.deadline ?? null);
    const access = await this.checkerOf(caller, row).catch(() => null);
    const [latest] = access
      ? await this.options.db
          .select()
          .from(checkResults)
          .where(eq(checkResults.sessionId, id))
          .orderBy(desc(checkResults.createdAt))
          .limit(1)
      : [];
    const feedback = assignment?.feedback ?? null;
    return {
      available: Boolean(access && assignment?.command),
      deadline: deadline?.toISOString() ?? null,
      closed: Boolean(row.classCopy && deadline && deadline.getTime() <= Date.now()),
      feedback: access ? feedback : null,
      latest:
        latest && access
          ? access.teacher
            ? checkView(latest, "all")
            : await this.studentView(latest, templateId, feedback ?? "results")
          : null,
    };
  }

  /** Runs the hidden tests against a copy of the session's work now, and records the result. */
  async check(caller: Caller, id: string): Promise<CheckResultView> {
    const { templateId, teacher } = await this.checked(caller, id);
    const assignment = await this.assignmentRow(templateId);
    if (!assignment?.command)
      throw new InvalidRequestError(
        templateId === id
          ? "this session has no checks yet: set a test command (and hidden files) in its Assignment panel"
          : "the teacher has not set checks for this class yet",
      );
    let pending = this.inFlight.get(id);
    if (!pending) {
      // Whose turn it is: the person asking (a teacher checking a copy waits as the teacher).
      const who = ownerOf(identityOf(caller)) ?? `session:${id}`;
      pending = this.queue.run(who, () => this.runChecks(id, templateId, assignment)).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    // The view is decided here, for this caller: a student never gets more than the feedback allows.
    const row = await pending;
    return teacher ? checkView(row, "all") : this.studentView(row, templateId, assignment.feedback);
  }

  private async runChecks(id: string, templateId: string, assignment: AssignmentRow): Promise<CheckRow> {
    const { sessions: service, sandboxes, db, log } = this.options;
    const started = Date.now();
    const checkId = `c-${randomBytes(8).toString("hex")}`;
    let outcome: { tests: TestResult[]; output: string; problem: string | null; error: boolean };
    // The class's setup, not one the student prepared: their own packages cannot change how the tests run.
    const copy = await service.fork(SYSTEM, id, { throwaway: true, setupOf: templateId });
    try {
      try {
        // The runner's folder holds the runner alone: a module of the student's beside it would be imported first.
        await files.deleteFile(sandboxes, copy.id, path.dirname(TEST_FUNCTIONS_RUNNER), true).catch((error: unknown) => {
          if (!(error instanceof FileNotFoundError)) throw error;
        });
        for (const file of assignment.files) await files.writeFile(sandboxes, copy.id, file.path, Buffer.from(file.content));
        await files.writeFile(sandboxes, copy.id, TEST_FUNCTIONS_RUNNER, readFileSync(RUNNER_SOURCE));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CheckSetupError(
          `the tests could not be put next to your work (${reason}); a file or folder of yours may be in their place`,
        );
      }
      const result = await shells.exec(sandboxes, copy.id, {
        // One stream, in order: unittest writes to stderr, most others to stdout.
        command: `{\n${assignment.command}\n} 2>&1`,
        shell: "check",
        timeoutMs: assignment.timeoutSeconds * 1000,
        env: { CI: "true" },
      });
      const printed = result.stdoutEncoding === "base64" ? Buffer.from(result.stdout, "base64").toString("utf8") : result.stdout;
      const parsed = parseCheckOutput(printed, result.timedOut ? null : result.exitCode, result.timedOut);
      outcome = {
        tests: parsed.tests,
        output: printed.length > CHECK_OUTPUT_CHARS ? `${printed.slice(0, CHECK_OUTPUT_CHARS)}\n… (cut here)\n` : printed,
        problem: null,
        error: false,
      };
    } catch (error) {
      if (!(error instanceof CheckSetupError)) log.warn({ err: error, sessionId: id }, "a check could not run");
      const problem =
        error instanceof CheckSetupError
          ? error.message
          : "the checks could not run; try again, and tell your teacher if it persists";
      outcome = { tests: [], output: "", problem, error: true };
    } finally {
      await service
        .delete(SYSTEM, copy.id)
        .catch((error: unknown) => log.warn({ err: error, copy: copy.id }, "could not remove a check's copy"));
    }
    const count = (status: TestResult["status"]): number => outcome.tests.filter((test) => test.status === status).length;
    const [row] = await db
      .insert(checkResults)
      .values({
        id: checkId,
        sessionId: id,
        templateId,
        status: outcome.error ? "error" : count("failed") > 0 ? "failed" : "passed",
        passed: count("passed"),
        failed: count("failed"),
        skipped: count("skipped"),
        tests: outcome.tests,
        output: outcome.output,
        problem: outcome.problem,
        durationMs: Date.now() - started,
      })
      .returning();
    await service.touch(id);
    if (!row) throw new Error(`check ${checkId} was not recorded`);
    await this.prune(id);
    log.info({ sessionId: id, status: row.status, ms: Date.now() - started }, "checked");
    return row;
  }

  /** Deletes the session's checks beyond the newest ones kept (the dashboard and history read only those). */
  private async prune(id: string): Promise<void> {
    const { db } = this.options;
    const stale = await db
      .select({ id: checkResults.id })
      .from(checkResults)
      .where(eq(checkResults.sessionId, id))
      .orderBy(desc(checkResults.createdAt), desc(checkResults.id))
      .offset(this.options.kept ?? CHECKS_KEPT);
    if (stale.length > 0)
      await db.delete(checkResults).where(
        inArray(
          checkResults.id,
          stale.map((row) => row.id),
        ),
      );
  }

  /** Each of these copies' latest check (the dashboard's; access was decided by the caller). */
  private async latestOf(ids: string[]): Promise<Map<string, CheckResultView>> {
    if (ids.length === 0) return new Map();
    // One row a copy (its newest), however many checks the class has made.
    const rows = await this.options.db
      .selectDistinctOn([checkResults.sessionId])
      .from(checkResults)
      .where(inArray(checkResults.sessionId, ids))
      .orderBy(checkResults.sessionId, desc(checkResults.createdAt));
    return new Map(rows.map((row) => [row.sessionId, checkView(row, "all")]));
  }

  /**
   * Where each student of the class stands: their runs, their latest check and their deadline. A
   * class with checks names states by them; without, by the last run.
   */
  async classProgress(caller: Caller, templateId: string): Promise<ClassStanding[]> {
    const progress = await this.options.sessions.classProgress(caller, templateId);
    const latest = await this.latestOf(progress.map((student) => student.session_id));
    const assignment = await this.assignmentRow(templateId);
    const own = new Map(
      progress.length === 0
        ? []
        : (
            await this.options.db
              .select({ id: sessions.id, deadline: sessions.deadline })
              .from(sessions)
              .where(
                inArray(
                  sessions.id,
                  progress.map((p) => p.session_id),
                ),
              )
          ).map((row) => [row.id, row.deadline]),
    );
    return progress.map((student): ClassStanding => {
      const check = latest.get(student.session_id) ?? null;
      const mine = own.get(student.session_id) ?? null;
      const deadline = mine ?? assignment?.deadline ?? null;
      const state: ClassStanding["state"] = !assignment?.command
        ? student.state
        : check
          ? check.status === "passed"
            ? "checks passing"
            : "checks failing"
          : student.runs > 0
            ? "working"
            : "not started";
      return { ...student, state, check, deadline: deadline?.toISOString() ?? null, own_deadline: mine !== null };
    });
  }

  /** The checks of one session, newest first (the teacher's view of a student, or one's own). */
  async history(caller: Caller, id: string, limit = 20): Promise<CheckResultView[]> {
    const { teacher, templateId } = await this.checked(caller, id);
    const assignment = await this.assignmentRow(templateId);
    const rows = await this.options.db
      .select()
      .from(checkResults)
      .where(eq(checkResults.sessionId, id))
      .orderBy(desc(checkResults.createdAt))
      .limit(Math.min(Math.max(limit, 1), 100));
    const reference = teacher ? null : await this.reference(templateId);
    return rows.map((row) => checkView(row, teacher ? "all" : (assignment?.feedback ?? "results"), reference));
  }
}

/** One student's line on the dashboard of a class with an assignment. */
export interface ClassStanding extends Omit<ClassProgress, "state"> {
  /** With checks: not started, working (ran something, never checked), checks passing or failing. */
  state: ClassProgress["state"] | "working" | "checks passing" | "checks failing";
  check: CheckResultView | null;
  /** The deadline that applies to this student, and whether the teacher gave it to them alone. */
  deadline: string | null;
  own_deadline: boolean;
}

/** The hidden files could not be written into the checked copy (the student's files are in the way). */
class CheckSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckSetupError";
  }
}
