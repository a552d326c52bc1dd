import "server-only";
import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Logger } from "pino";
import {
  createSessionSchema,
  sessionIdSchema,
  updateSessionSchema,
  type CreateSessionInput,
  type UpdateSessionInput,
} from "@/lib/api/schemas";
import type { LanguageId } from "@/lib/languages";
import type { SetupSpec } from "@/lib/setup/spec";
import type { Config } from "@/server/config";
import type { Database } from "@/server/db/client";
import { runs, sessions, setups, shares, shells } from "@/server/db/schema";
import type { SandboxManager, SandboxState } from "@/server/sandbox/manager";
import type { SetupService, SetupView } from "@/server/setup/service";
import { InvalidInputError } from "./validation";
import { SessionExistsError, SessionNotFoundError } from "./errors";

export type SessionRow = typeof sessions.$inferSelect;

/** A session as the API shows it (snake_case, as in ERA's API). */
export interface SessionView {
  id: string;
  language: LanguageId;
  persistent: boolean;
  default_timeout: number;
  metadata: Record<string, unknown>;
  entry_file: string | null;
  template: boolean;
  forked_from: string | null;
  created_at: string;
  updated_at: string;
  last_active_at: string;
  setup_status: "none" | SetupView["status"];
  /** The setup spec, with env values hidden: they are for the setup only. */
  setup: SetupSpec | null;
  setup_result: SetupView | null;
  sandbox: { state: SandboxState };
}

export interface SessionServiceOptions {
  db: Database;
  sandboxes: SandboxManager;
  setups: SetupService;
  config: Pick<Config, "limits">;
  log: Logger;
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
export class SessionService {
  constructor(private readonly options: SessionServiceOptions) {}

  get sandboxes(): SandboxManager {
    return this.options.sandboxes;
  }

  /** The session row, or SessionNotFoundError. */
  async require(id: string): Promise<SessionRow> {
    // An id no session can have (bad characters, NUL bytes) is simply not found, without a query.
    if (!sessionIdSchema.safeParse(id).success) throw new SessionNotFoundError(id.replace(/[^\x20-\x7e]/g, "?").slice(0, 80));
    const [row] = await this.options.db.select().from(sessions).where(eq(sessions.id, id));
    if (!row) throw new SessionNotFoundError(id);
    return row;
  }

  /**
   * The session if `actor` may use it: its owner, anyone for sessions without an owner (created
   * anonymously on an open server), and for reading, the owner of the template it was forked from.
   * Others get "does not exist", so ids of other people's sessions are not confirmed.
   */
  async checkAccess(id: string, actor: string | undefined, mode: "read" | "write"): Promise<SessionRow> {
    const row = await this.require(id);
    if (row.owner === null || row.owner === actor) return row;
    if (mode === "read" && actor && row.forkedFrom) {
      const [template] = await this.options.db
        .select({ owner: sessions.owner })
        .from(sessions)
        .where(eq(sessions.id, row.forkedFrom));
      if (template?.owner === actor) return row;
    }
    throw new SessionNotFoundError(id);
  }

  /** Inserts a session row; an id that is taken is a SessionExistsError (409), never an overwrite. */
  private async insertNew(row: typeof sessions.$inferInsert): Promise<void> {
    const inserted = await this.options.db.insert(sessions).values(row).onConflictDoNothing().returning({ id: sessions.id });
    if (inserted.length === 0) throw new SessionExistsError(row.id);
  }

  async create(input: CreateSessionInput, owner?: string): Promise<SessionView> {
    const parsed = createSessionSchema.safeParse(input);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    const value = parsed.data;
    const id = value.session_id ?? newSessionId();
    const now = new Date();
    await this.insertNew({
      id,
      language: value.language,
      persistent: value.persistent,
      defaultTimeout: value.default_timeout ?? Math.round(this.options.config.limits.runTimeoutMs / 1000),
      metadata: value.metadata ?? {},
      entryFile: value.entry_file ?? null,
      owner: owner ?? null,
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
    const view = await this.get(id);
    // As ERA's API does: the create answer shows the setup as submitted, pending unless the layer was stored already.
    return submitted ? { ...view, setup_status: submitted.status, setup_result: submitted } : view;
  }

  async get(id: string): Promise<SessionView> {
    return this.view(await this.require(id));
  }

  async list(options: { owner?: string; limit?: number; before?: Date } = {}): Promise<SessionView[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
    // Everyone sees their own sessions; callers without an identity see the sessions without an owner.
    const conditions = [
      options.owner ? eq(sessions.owner, options.owner) : isNull(sessions.owner),
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

  async update(id: string, input: UpdateSessionInput): Promise<SessionView> {
    const parsed = updateSessionSchema.safeParse(input);
    if (!parsed.success) throw InvalidInputError.from(parsed.error);
    await this.require(id);
    const patch = parsed.data;
    await this.options.db
      .update(sessions)
      .set({
        ...(patch.default_timeout !== undefined ? { defaultTimeout: patch.default_timeout } : {}),
        ...(patch.metadata !== undefined ? { metadata: patch.metadata } : {}),
        ...(patch.entry_file !== undefined ? { entryFile: patch.entry_file } : {}),
        ...(patch.persistent !== undefined ? { persistent: patch.persistent } : {}),
        ...(patch.template !== undefined ? { template: patch.template } : {}),
        updatedAt: new Date(),
      })
      .where(eq(sessions.id, id));
    return this.get(id);
  }

  /** Deletes everything of the session; afterwards its id is free again. */
  async delete(id: string): Promise<void> {
    await this.require(id);
    const { db } = this.options;
    await this.options.sandboxes.destroy(id);
    await this.options.setups.delete(id);
    await db.delete(runs).where(eq(runs.sessionId, id));
    await db.delete(shells).where(eq(shells.sessionId, id));
    await db.delete(shares).where(eq(shares.sessionId, id));
    await db.delete(sessions).where(eq(sessions.id, id));
    this.options.log.info({ sessionId: id }, "session deleted");
  }

  /**
   * A new session from the same setup (its layer is reused: no setup runs again) and a copy of
   * the workspace as it is now. Fork and original are independent afterwards.
   */
  async fork(
    sourceId: string,
    options: { id?: string; owner?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<SessionView> {
    const source = await this.require(sourceId);
    const id = options.id ?? newSessionId();
    const now = new Date();
    await this.insertNew({
      id,
      language: source.language,
      persistent: source.persistent,
      defaultTimeout: source.defaultTimeout,
      metadata: options.metadata ?? source.metadata,
      entryFile: source.entryFile,
      owner: options.owner ?? null,
      forkedFrom: source.id,
      createdAt: now,
      updatedAt: now,
      lastActiveAt: now,
    });
    try {
      await this.options.sandboxes.forkWorkspace(source.id, id);
      const [setup] = await this.options.db.select().from(setups).where(eq(setups.sessionId, source.id));
      if (setup) await this.options.setups.submit(id, setup.spec);
    } catch (error) {
      await this.options.sandboxes.destroy(id).catch(() => undefined);
      await this.options.db.delete(sessions).where(eq(sessions.id, id));
      throw error;
    }
    this.options.log.info({ sessionId: id, from: source.id }, "session forked");
    return this.get(id);
  }

  /** Forks of a session (a classroom's), newest first. */
  async forksOf(id: string): Promise<SessionView[]> {
    const rows = await this.options.db
      .select()
      .from(sessions)
      .where(eq(sessions.forkedFrom, id))
      .orderBy(desc(sessions.createdAt));
    return Promise.all(rows.map((row) => this.view(row)));
  }

  /** The fork of `templateId` that `owner` made, if any (a student's copy of a class template). */
  async forkOwnedBy(templateId: string, owner: string): Promise<SessionView | undefined> {
    const [row] = await this.options.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.forkedFrom, templateId), eq(sessions.owner, owner)))
      .orderBy(sessions.createdAt)
      .limit(1);
    return row ? this.view(row) : undefined;
  }

  async touch(id: string): Promise<void> {
    await this.options.db.update(sessions).set({ lastActiveAt: new Date() }).where(eq(sessions.id, id));
  }

  async view(row: SessionRow): Promise<SessionView> {
    const [setup, sandbox] = await Promise.all([
      this.options.db.select().from(setups).where(eq(setups.sessionId, row.id)),
      this.options.sandboxes.state(row.id),
    ]);
    const setupRow = setup[0];
    const result = setupRow ? await this.options.setups.get(row.id) : undefined;
    return {
      id: row.id,
      language: row.language as LanguageId,
      persistent: row.persistent,
      default_timeout: row.defaultTimeout,
      metadata: row.metadata,
      entry_file: row.entryFile,
      template: row.template,
      forked_from: row.forkedFrom,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      last_active_at: row.lastActiveAt.toISOString(),
      setup_status: setupRow?.status ?? "none",
      setup: setupRow ? hideEnvValues(setupRow.spec) : null,
      setup_result: result ?? null,
      sandbox: { state: sandbox },
    };
  }
}
