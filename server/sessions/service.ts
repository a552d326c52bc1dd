import "server-only";
import { z } from "zod";
import { randomBytes } from "node:crypto";
import { and, count, desc, eq, inArray, isNull, like, lt, max } from "drizzle-orm";
import type { Logger } from "pino";
import {
  createSessionSchema,
  sessionIdSchema,
  sessionNameSchema,
  updateSessionSchema,
  type CreateSessionInput,
  type UpdateSessionInput,
} from "@/lib/api/schemas";
import type { SessionView } from "@/lib/api/responses";
import type { LanguageId } from "@/lib/languages";
import { LIST_LIMITS, resolveTimeout, type ResolvedTimeout } from "@/lib/limits";
import type { SetupSpec } from "@/lib/setup/spec";
import type { Config } from "@/server/config";
import { normalizeEgressPolicy } from "@/lib/egress";
import { emptyUsage } from "@/server/egress/meter";
import { sealSecrets, secretViews } from "@/server/egress/secrets";
import type { SessionEgress } from "@/server/egress/sessions";
import type { Database } from "@/server/db/client";
import { assignments, checkResults, runs, sessions, setups, shares, shells } from "@/server/db/schema";
import type { SandboxManager } from "@/server/sandbox/manager";
import type { SetupService, SetupView } from "@/server/setup/service";
import { ownerOf, type AccessMode, type Caller, type ShareCaller } from "./caller";
import {
  DeadlinePassedError,
  ForbiddenError,
  IdentityRequiredError,
  InvalidRequestError,
  SessionExistsError,
  SessionNotFoundError,
} from "./errors";
import { resolveShare, type ShareView } from "./share-links";
import { InvalidInputError } from "./validation";

export type SessionRow = typeof sessions.$inferSelect;

export type { SessionView } from "@/lib/api/responses";

export interface SessionServiceOptions {
  db: Database;
  sandboxes: SandboxManager;
  setups: SetupService;
  config: Pick<Config, "limits" | "dataDir">;
  log: Logger;
  /** Applies changed egress policies to running sandboxes, and reports usage. */
  egress?: SessionEgress;
  /** Told of class copies made and sessions removed (server/classroom keeps each copy's base). */
  classroom?: ClassCopyHooks;
}

/** What the classroom keeps about class copies, told by the session service. */
export interface ClassCopyHooks {
  /** A class copy was just made from `template`; never throws. */
  copyMade(copyId: string, template: Pick<SessionRow, "id" | "createdAt">): Promise<void>;
  removed(id: string): Promise<void>;
}

function hideEnvValues(spec: SetupSpec): SetupSpec {
  if (!spec.envs) return spec;
  return { ...spec, envs: Object.fromEntries(Object.keys(spec.envs).map((key) => [key, "[hidden]"])) };
}

export function newSessionId(): string {
  return `s-${randomBytes(9)
    .toString("base64url")
    .replace(/[^A-Za-z0-9]/g, "x")}`;
}

/** Sessions: create, read, change, delete and fork. Routers call this; it never knows about HTTP. */
/** One student's line on a class's dashboard. */
/** The owner of throwaway copies: a name no caller has, so only the server reaches them. */
const THROWAWAY_OWNER = "embed:";

/** Sandboxes kept ready for a class: how many were asked for (0 when none), and how many are ready now. */
export interface ClassReadiness {
  students: number;
  ready: number;
}

const classSizeSchema = z.number({ error: "must be a number of students" }).int().min(1).max(500);
const warmMinutesSchema = z.number({ error: "must be a number of minutes" }).int().min(1).max(240);

export interface ClassProgress {
  session_id: string;
  name: string | null;
  created_at: string;
  last_active_at: string;
  sandbox: SessionView["sandbox"]["state"];
  runs: number;
  state: "not started" | "last run passed" | "last run failed";
  last_run: { at: string; exit_code: number | null; timed_out: boolean; source: string } | null;
}

/** A session's setup as stored (its spec) and as the API shows it. */
interface KnownSetup {
  spec: (typeof setups.$inferSelect)["spec"];
  view: SetupView;
}

export class SessionService {
  constructor(private readonly options: SessionServiceOptions) {}

  get sandboxes(): SandboxManager {
    return this.options.sandboxes;
  }

  /** The session row, or SessionNotFoundError. Unchecked: only for callers that decided access already. */
  private async require(id: string): Promise<SessionRow> {
    // An id no session can have (bad characters, NUL bytes) is simply not found, without a query.
    if (!sessionIdSchema.safeParse(id).success) throw new SessionNotFoundError(id.replace(/[^\x20-\x7e]/g, "?").slice(0, 80));
    const [row] = await this.options.db.select().from(sessions).where(eq(sessions.id, id));
    if (!row) throw new SessionNotFoundError(id);
    return row;
  }

  /** The share a share caller presents, if it opens `id` (view, fork and class links; embed links open only embeds). */
  private async shareFor(caller: ShareCaller, id: string): Promise<ShareView | undefined> {
    const share = await resolveShare(this.options.db, caller.token);
    return share.session_id === id && share.role !== "embed" ? share : undefined;
  }

  /**
   * The session if `caller` may use it as `mode` asks. Everything may be done by its owner, and by
   * anyone to sessions without an owner (created anonymously on an open server). Reading is also
   * allowed to a share link's visitor (for that link's session) and to a class template's owner
   * (for copies made through its class link, not for other forks). Others get "does not exist",
   * so ids of other people's sessions are not confirmed. Every service method on a session calls this.
   */
  async authorize(caller: Caller, id: string, mode: AccessMode): Promise<SessionRow> {
    const row = await this.require(id);
    if (caller.kind === "system") return row;
    if (caller.kind === "share" && mode === "read" && (await this.shareFor(caller, id))) return row;
    const owner = ownerOf(caller);
    if (row.owner === null || row.owner === owner) {
      if (mode !== "read" && owner && row.classCopy) await this.refuseAfterDeadline(row);
      return row;
    }
    if (mode === "read" && owner && row.classCopy && row.forkedFrom) {
      const [template] = await this.options.db
        .select({ owner: sessions.owner })
        .from(sessions)
        .where(eq(sessions.id, row.forkedFrom));
      if (template?.owner === owner) return row;
    }
    throw new SessionNotFoundError(id);
  }

  /**
   * The deadline that applies to a class copy: the one its teacher gave this student, else its
   * class's (the template's assignment), else none.
   */
  async deadlineOf(row: SessionRow): Promise<Date | null> {
    if (!row.classCopy || !row.forkedFrom) return null;
    if (row.deadline) return row.deadline;
    const [assignment] = await this.options.db
      .select({ deadline: assignments.deadline })
      .from(assignments)
      .where(eq(assignments.sessionId, row.forkedFrom));
    return assignment?.deadline ?? null;
  }

  /** A student's class copy past its deadline is read-only for them: no edits, runs or shells. */
  private async refuseAfterDeadline(row: SessionRow): Promise<void> {
    const deadline = await this.deadlineOf(row);
    if (deadline && deadline.getTime() <= Date.now()) throw new DeadlinePassedError(deadline);
  }

  /**
   * The session if `caller` may open its previews (the programs listening in its sandbox): whoever
   * may run code in it, and its share links' visitors when its owner allows that.
   */
  async authorizePreview(caller: Caller, id: string): Promise<SessionRow> {
    const row = await this.authorize(caller, id, "read");
    const runs = await this.authorize(caller, id, "run").then(
      () => true,
      (error: unknown) => {
        if (error instanceof SessionNotFoundError) return false;
        throw error;
      },
    );
    if (runs || (caller.kind === "share" && row.sharePreviews)) return row;
    throw new ForbiddenError(
      caller.kind === "share"
        ? "the owner of this session has not shared its previews; they can allow it in the session's share panel"
        : "only the owner of this session can open its previews",
    );
  }

  /** What the caller may do with a session it may read: change it and run code, or only look. */
  async permissions(caller: Caller, id: string): Promise<{ write: boolean; deadline_passed: string | null }> {
    await this.authorize(caller, id, "read");
    let deadlinePassed: string | null = null;
    const write = await this.authorize(caller, id, "write").then(
      () => true,
      (error: unknown) => {
        if (error instanceof DeadlinePassedError) deadlinePassed = error.deadline.toISOString();
        else if (!(error instanceof SessionNotFoundError)) throw error;
        return false;
      },
    );
    return { write, deadline_passed: deadlinePassed };
  }

  /** Inserts a session row; an id that is taken is a SessionExistsError (409), never an overwrite. */
  private async insertNew(row: typeof sessions.$inferInsert): Promise<SessionRow> {
    const [inserted] = await this.options.db.insert(sessions).values(row).onConflictDoNothing().returning();
    if (!inserted) throw new SessionExistsError(row.id);
    return inserted;
  }

  async create(caller: Caller, input: CreateSessionInput): Promise<SessionView> {
    const parsed = createSessionSchema.safeParse(input);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    const value = parsed.data;
    const id = value.session_id ?? newSessionId();
    const now = new Date();
    await this.insertNew({
      id,
      language: value.language,
      persistent: value.persistent,
      // Only the owner's choice is stored: the configured default applies when runs start.
      defaultTimeout: value.default_timeout ?? null,
      metadata: value.metadata ?? {},
      entryFile: value.entry_file ?? null,
      name: value.name ?? null,
      owner: ownerOf(caller) ?? null,
      egress: normalizeEgressPolicy(value.egress ?? "none"),
      egressSecrets: sealSecrets(this.options.config.dataDir, value.egress_secrets ?? []),
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
    });
    let submitted: SetupView | undefined;
    if (value.setup) {
      try {
        submitted = await this.options.setups.submit(id, value.setup);
      } catch (error) {
        await this.options.db.delete(sessions).where(eq(sessions.id, id));
        throw error;
      }
    }
    this.options.log.info({ sessionId: id, language: value.language, setup: Boolean(value.setup) }, "session created");
    const view = await this.view(await this.require(id));
    // As ERA's API does: the create answer shows the setup as submitted, pending unless the layer was stored already.
    return submitted ? { ...view, setup_status: submitted.status, setup_result: submitted } : view;
  }

  async get(caller: Caller, id: string): Promise<SessionView> {
    return this.view(await this.authorize(caller, id, "read"));
  }

  /** The caller's own sessions, newest first; callers without an identity see the sessions without an owner. */
  async list(caller: Caller, options: { limit?: number; before?: Date } = {}): Promise<SessionView[]> {
    const limit = Math.min(Math.max(options.limit ?? LIST_LIMITS.sessions.default, 1), LIST_LIMITS.sessions.max);
    const owner = ownerOf(caller);
    const conditions = [
      caller.kind === "system" ? undefined : owner ? eq(sessions.owner, owner) : isNull(sessions.owner),
      options.before ? lt(sessions.createdAt, options.before) : undefined,
    ].filter((c) => c !== undefined);
    const rows = await this.options.db
      .select()
      .from(sessions)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(sessions.createdAt))
      .limit(limit);
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async update(caller: Caller, id: string, input: UpdateSessionInput): Promise<SessionView> {
    const parsed = updateSessionSchema.safeParse(input);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    await this.authorize(caller, id, "write");
    const patch = parsed.data;
    await this.options.db
      .update(sessions)
      .set({
        ...(patch.default_timeout !== undefined ? { defaultTimeout: patch.default_timeout } : {}),
        ...(patch.metadata !== undefined ? { metadata: patch.metadata } : {}),
        ...(patch.entry_file !== undefined ? { entryFile: patch.entry_file } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.persistent !== undefined ? { persistent: patch.persistent } : {}),
        ...(patch.template !== undefined ? { template: patch.template } : {}),
        ...(patch.share_previews !== undefined ? { sharePreviews: patch.share_previews } : {}),
        ...(patch.egress !== undefined ? { egress: normalizeEgressPolicy(patch.egress) } : {}),
        ...(patch.egress_secrets !== undefined
          ? { egressSecrets: sealSecrets(this.options.config.dataDir, patch.egress_secrets) }
          : {}),
        updatedAt: new Date(),
      })
      .where(eq(sessions.id, id));
    if (patch.egress !== undefined || patch.egress_secrets !== undefined) await this.options.egress?.changed(id);
    return this.view(await this.require(id));
  }

  /** Deletes everything of the session; afterwards its id is free again. */
  async delete(caller: Caller, id: string): Promise<void> {
    await this.authorize(caller, id, "write");
    await this.remove(id);
  }

  private async remove(id: string): Promise<void> {
    const { db } = this.options;
    await this.options.sandboxes.destroy(id);
    await this.options.setups.delete(id);
    await db.delete(runs).where(eq(runs.sessionId, id));
    await db.delete(shells).where(eq(shells.sessionId, id));
    await db.delete(shares).where(eq(shares.sessionId, id));
    await db.delete(assignments).where(eq(assignments.sessionId, id));
    await db.delete(checkResults).where(eq(checkResults.sessionId, id));
    // Its id may be taken again by someone else: its class copies must not become that owner's to read.
    await db.update(sessions).set({ classCopy: false }).where(eq(sessions.forkedFrom, id));
    await this.options.classroom?.removed(id);
    await db.delete(sessions).where(eq(sessions.id, id));
    this.options.egress?.forget(id);
    this.options.log.info({ sessionId: id }, "session deleted");
  }

  /**
   * Removes throwaway copies (embed runs, checks) made before `before`: they are removed right
   * after their run, so one still here was left by a server that stopped in the middle. Returns
   * their ids.
   */
  async clearThrowaways(before: Date): Promise<string[]> {
    const rows = await this.options.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(like(sessions.owner, `${THROWAWAY_OWNER}%`), lt(sessions.createdAt, before)));
    const cleared: string[] = [];
    for (const { id } of rows) {
      try {
        await this.remove(id);
        cleared.push(id);
      } catch (error) {
        this.options.log.warn({ sessionId: id, err: error }, "could not remove a throwaway copy");
      }
    }
    if (cleared.length > 0)
      this.options.log.info({ cleared: cleared.length }, "removed throwaway copies left by an interrupted run");
    return cleared;
  }

  /** Runs the session's setup again (after a failure). */
  async retrySetup(caller: Caller, id: string): Promise<SetupView> {
    await this.authorize(caller, id, "write");
    return this.options.setups.retry(id);
  }

  /**
   * Replaces the session's setup and runs it as a new layer (validated as at creation). Runs go on
   * with the current layer meanwhile; only a completed setup is attached, and the workspace keeps
   * its files. Refused while a setup is pending or running.
   */
  async editSetup(caller: Caller, id: string, setup: unknown): Promise<SetupView> {
    await this.authorize(caller, id, "write");
    const view = await this.options.setups.replace(id, setup);
    this.options.log.info({ sessionId: id, status: view.status }, "setup edited");
    return view;
  }

  /**
   * A new session from the same setup (its layer is reused: no setup runs again) and a copy of
   * the workspace as it is now, owned by the caller. Fork and original are independent afterwards.
   * A fork through a class link is a class copy (its template's owner may read it). A `throwaway`
   * copy (an embed's run) belongs to nobody who can call: only the server reaches it.
   */
  async fork(
    caller: Caller,
    sourceId: string,
    options: {
      id?: string;
      metadata?: Record<string, unknown>;
      throwaway?: boolean;
      name?: string;
      /** Another session whose setup the fork gets instead of the source's (a check runs in its class's). */
      setupOf?: string;
    } = {},
  ): Promise<SessionView> {
    const share = caller.kind === "share" ? await this.shareFor(caller, sourceId) : undefined;
    return this.forkWith(caller, sourceId, options, share);
  }

  /**
   * A fork by a caller presenting `share`, the share its own token resolved to when it opens the
   * source (else undefined). A share that opens the source lets its visitor read it, as authorize
   * decides; without one, the caller's own rights do.
   */
  private async forkWith(
    caller: Caller,
    sourceId: string,
    options: Parameters<SessionService["fork"]>[2] & object,
    share: ShareView | undefined,
  ): Promise<SessionView> {
    const source = share ? await this.require(sourceId) : await this.authorize(caller, sourceId, "read");
    const owner = options.throwaway ? `${THROWAWAY_OWNER}${randomBytes(9).toString("base64url")}` : ownerOf(caller);
    // A fork without an owner would be open to every caller: share visitors need their identity.
    if (share && !owner) throw new IdentityRequiredError();
    const id = options.id ?? newSessionId();
    const classCopy = share?.role === "class" && !options.throwaway;
    const now = new Date();
    const inserted = await this.insertNew({
      id,
      language: source.language,
      persistent: source.persistent,
      defaultTimeout: source.defaultTimeout,
      metadata: options.metadata ?? source.metadata,
      entryFile: source.entryFile,
      name: options.name ?? null,
      owner: owner ?? null,
      forkedFrom: source.id,
      classCopy,
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
    });
    let known: KnownSetup | null = null;
    try {
      await this.options.sandboxes.forkWorkspace(source.id, id);
      if (options.setupOf && options.setupOf !== source.id) await this.options.sandboxes.useLayerOf(id, options.setupOf);
      const [setup] = await this.options.db
        .select()
        .from(setups)
        .where(eq(setups.sessionId, options.setupOf ?? source.id));
      // What the copy's view shows of its setup is what storing it answered.
      if (setup) known = { spec: setup.spec, view: await this.options.setups.submit(id, setup.spec) };
    } catch (error) {
      await this.options.sandboxes.destroy(id).catch(() => undefined);
      await this.options.db.delete(sessions).where(eq(sessions.id, id));
      this.options.egress?.forget(id);
      throw error;
    }
    if (classCopy) await this.options.classroom?.copyMade(id, source);
    this.options.log.info({ sessionId: id, from: source.id }, "session forked");
    return this.view(inserted, { setup: known });
  }

  /** The copies made through a template's class links, newest first: for its owner (a teacher's class). */
  async classCopies(caller: Caller, id: string): Promise<SessionView[]> {
    await this.authorize(caller, id, "write");
    const rows = await this.options.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.forkedFrom, id), eq(sessions.classCopy, true)))
      .orderBy(desc(sessions.createdAt));
    return Promise.all(rows.map((row) => this.view(row)));
  }

  /**
   * Where each student of a template's class stands, for its owner: name, when they were last
   * active, how many runs, and how the last one ended. Students who never ran anything are "not started".
   */
  async classProgress(caller: Caller, id: string): Promise<ClassProgress[]> {
    const copies = await this.classCopies(caller, id);
    if (copies.length === 0) return [];
    const ids = copies.map((copy) => copy.id);
    const { db } = this.options;
    const totals = await db
      .select({ sessionId: runs.sessionId, runs: count(), last: max(runs.createdAt) })
      .from(runs)
      .where(inArray(runs.sessionId, ids))
      .groupBy(runs.sessionId);
    const lastRuns = await Promise.all(
      totals.map(async (total) => {
        const [row] = await db
          .select()
          .from(runs)
          .where(eq(runs.sessionId, total.sessionId))
          .orderBy(desc(runs.createdAt))
          .limit(1);
        return row;
      }),
    );
    return copies.map((copy): ClassProgress => {
      const total = totals.find((t) => t.sessionId === copy.id);
      const last = lastRuns.find((run) => run?.sessionId === copy.id);
      const passed = last ? last.exitCode === 0 && !last.timedOut : false;
      return {
        session_id: copy.id,
        name: copy.name,
        created_at: copy.created_at,
        last_active_at: copy.last_active_at,
        sandbox: copy.sandbox.state,
        runs: total?.runs ?? 0,
        state: !last ? "not started" : passed ? "last run passed" : "last run failed",
        last_run: last
          ? {
              at: last.createdAt.toISOString(),
              exit_code: last.exitCode,
              timed_out: last.timedOut,
              source: last.source,
            }
          : null,
      };
    });
  }

  /**
   * A class link's visitor's own copy of the template: made on the first visit, the same one later.
   * Refuses links that are not class links.
   */
  async joinClass(caller: ShareCaller, input: { name?: string } = {}): Promise<SessionView> {
    const share = await resolveShare(this.options.db, caller.token);
    if (share.role !== "class") throw new InvalidRequestError("this link is not a class link; open it at /share/… instead");
    if (!ownerOf(caller)) throw new IdentityRequiredError();
    const copy = await this.classCopyRow(caller, share.session_id);
    if (copy) return this.view(copy);
    // A new student says who they are, so that the teacher's list reads as a class, not as ids.
    const name = sessionNameSchema.safeParse(input.name ?? "");
    if (!name.success) {
      const problem = name.error.issues[0]?.message ?? "a name is required";
      throw new InvalidRequestError(`give your name to join this class: ${problem}`);
    }
    // The token the caller presents resolved to this class link just above: it is not looked up again.
    return this.forkWith(caller, share.session_id, { name: name.data }, share);
  }

  /**
   * Gets a class ready before its students arrive: sandboxes with the template's setup are started
   * ahead (one at a time), so that students who join at once each start in one instead of all
   * starting theirs together. For the template's owner; at most the node's pool maximum, kept for
   * `minutes` (default 30); asking again replaces the earlier count.
   */
  async prepareClass(caller: Caller, id: string, input: { students: unknown; minutes?: unknown }): Promise<ClassReadiness> {
    const row = await this.authorize(caller, id, "write");
    if (row.classCopy) throw new InvalidRequestError("get the class ready from its template, not from a student's copy");
    const students = classSizeSchema.safeParse(input.students);
    if (!students.success) throw new InvalidRequestError(`students: ${students.error.issues[0]?.message ?? "invalid"}`);
    const minutes = warmMinutesSchema.safeParse(input.minutes ?? 30);
    if (!minutes.success) throw new InvalidRequestError(`minutes: ${minutes.error.issues[0]?.message ?? "invalid"}`);
    const setup = await this.options.setups.get(id);
    if (setup && (setup.status === "pending" || setup.status === "running")) {
      throw new InvalidRequestError("the setup is still running: get the class ready once it has completed");
    }
    const kept = await this.options.sandboxes.prepareForks(id, students.data, minutes.data);
    this.options.log.info({ sessionId: id, students: students.data, kept }, "getting a class ready");
    return { students: kept, ready: await this.options.sandboxes.readyForks(id) };
  }

  /** How many sandboxes are ready for a template's students now (see prepareClass). */
  async classReadiness(caller: Caller, id: string): Promise<ClassReadiness> {
    await this.authorize(caller, id, "write");
    const ready = await this.options.sandboxes.readyForks(id);
    return { students: this.options.sandboxes.wantedForks(id), ready };
  }

  /**
   * A class copy its template's owner manages: renames (a student's display name) and removals.
   * Anyone else, and any session that is not a class copy of a template they own, gets "not found".
   */
  private async managedCopy(caller: Caller, copyId: string): Promise<SessionRow> {
    const row = await this.require(copyId);
    if (!row.classCopy || !row.forkedFrom) throw new SessionNotFoundError(copyId);
    try {
      await this.authorize(caller, row.forkedFrom, "write");
    } catch (error) {
      if (error instanceof SessionNotFoundError) throw new SessionNotFoundError(copyId);
      throw error;
    }
    return row;
  }

  /** The template a student's class copy was made from, for the teacher who owns it. */
  async templateOfCopy(caller: Caller, copyId: string): Promise<string> {
    const row = await this.managedCopy(caller, copyId);
    return row.forkedFrom as string;
  }

  /** Renames a student's class copy, for the teacher who owns its template. */
  async renameClassCopy(caller: Caller, copyId: string, name: string): Promise<SessionView> {
    const parsed = sessionNameSchema.safeParse(name);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    await this.managedCopy(caller, copyId);
    await this.options.db.update(sessions).set({ name: parsed.data, updatedAt: new Date() }).where(eq(sessions.id, copyId));
    return this.view(await this.require(copyId));
  }

  /**
   * Gives one student a deadline of their own (later or earlier than the class's), or back the
   * class's with null: for the teacher who owns the template.
   */
  async setCopyDeadline(caller: Caller, copyId: string, deadline: string | null): Promise<{ deadline: string | null }> {
    const parsed = deadline === null ? null : new Date(deadline);
    if (parsed && Number.isNaN(parsed.getTime()))
      throw new InvalidRequestError("deadline is a date and time like 2026-12-01T17:00:00Z, or null for the class's");
    await this.managedCopy(caller, copyId);
    await this.options.db.update(sessions).set({ deadline: parsed, updatedAt: new Date() }).where(eq(sessions.id, copyId));
    const row = await this.require(copyId);
    return { deadline: (await this.deadlineOf(row))?.toISOString() ?? null };
  }

  /** Removes a student's class copy (files, runs, shells, links), for the teacher who owns its template. */
  async removeClassCopy(caller: Caller, copyId: string): Promise<void> {
    await this.managedCopy(caller, copyId);
    await this.remove(copyId);
  }

  /** The id of the caller's own class copy of a template, if they made one. */
  async classCopyOf(caller: Caller, templateId: string): Promise<string | null> {
    return (await this.classCopyRow(caller, templateId))?.id ?? null;
  }

  private async classCopyRow(caller: Caller, templateId: string): Promise<SessionRow | undefined> {
    const owner = ownerOf(caller);
    if (!owner) return undefined;
    const [row] = await this.options.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.forkedFrom, templateId), eq(sessions.owner, owner), eq(sessions.classCopy, true)))
      .orderBy(sessions.createdAt)
      .limit(1);
    return row;
  }

  /**
   * The time limit of a run or shell command: the one asked for, else the session's owner's
   * choice, else the configured default as it is now (no session: a one-off run).
   */
  timeoutFor(session: Pick<SessionRow, "defaultTimeout"> | undefined, asked?: number): ResolvedTimeout {
    return resolveTimeout({ run: asked, session: session?.defaultTimeout }, this.options.config.limits.runTimeoutMs);
  }

  /** Marks a session as used now (for idle tracking); callers have checked access. */
  async touch(id: string): Promise<void> {
    await this.options.db.update(sessions).set({ lastActiveAt: new Date() }).where(eq(sessions.id, id));
  }

  /** The session as the API shows it; `known` is its setup when the caller has it already (null: none). */
  private async view(row: SessionRow, known?: { setup: KnownSetup | null }): Promise<SessionView> {
    const [setup, sandbox] = await Promise.all([
      known
        ? known.setup
        : this.options.db
            .select()
            .from(setups)
            .where(eq(setups.sessionId, row.id))
            .then(([stored]) => (stored ? { spec: stored.spec, view: this.options.setups.viewOf(stored) } : null)),
      this.options.sandboxes.summary(row.id),
    ]);
    const result = setup?.view;
    const timeout = this.timeoutFor(row);
    return {
      id: row.id,
      language: row.language as LanguageId,
      persistent: row.persistent,
      default_timeout: timeout.seconds,
      default_timeout_source: timeout.source === "session" ? "session" : "server",
      metadata: row.metadata,
      entry_file: row.entryFile,
      name: row.name,
      template: row.template,
      share_previews: row.sharePreviews,
      forked_from: row.forkedFrom,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      last_active_at: row.lastActiveAt.toISOString(),
      setup_status: result?.status ?? "none",
      setup: setup ? hideEnvValues(setup.spec) : null,
      setup_result: result ?? null,
      sandbox: { state: sandbox.state, snapshot_at: sandbox.snapshotAt?.toISOString() ?? null },
      recovered: sandbox.recovered && {
        at: sandbox.recovered.at.toISOString(),
        snapshot_at: sandbox.recovered.snapshotAt?.toISOString() ?? null,
        from_node: sandbox.recovered.fromNode,
      },
      egress: row.egress,
      egress_secrets: secretViews(this.options.config.dataDir, row.egressSecrets),
      egress_usage: this.options.egress?.service.usage(row.id) ?? emptyUsage(),
      egress_status: this.options.egress?.service.status(row.id) ?? { state: "off", problem: null },
    };
  }
}
