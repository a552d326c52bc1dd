import "server-only";
import { and, desc, eq, inArray, lte } from "drizzle-orm";
import type { Logger } from "pino";
import type { ClassUpdates, CopyUpdate, CopyUpdateState, PublishResult } from "@/lib/api/class-updates";
import type { Database } from "@/server/db/client";
import { copyBases, sessions, templateVersions, type FileHashes } from "@/server/db/schema";
import * as sandboxFiles from "@/server/sandbox/files";
import type { SandboxManager } from "@/server/sandbox/manager";
import type { Caller } from "@/server/sessions/caller";
import { InvalidRequestError } from "@/server/sessions/errors";
import type { SessionRow, SessionService } from "@/server/sessions/service";
import { KeyedLock } from "@/server/util/keyed-lock";
import { copyFiles, readTemplate, type TemplateFile } from "./files";
import { pathsToWeigh, planUpdate } from "./plan";
import { TemplateHashes } from "./template-hashes";

export type { ClassUpdates, PublishResult } from "@/lib/api/class-updates";

/** Class copies updated at once: each may have to wake its sandbox, and a class is many. */
const PARALLEL_COPIES = 3;
/** How long a new class copy waits for its base to be recorded (see copyMade). */
const BASE_WAIT_MS = 10_000;

export interface TemplateUpdatesOptions {
  db: Database;
  sandboxes: SandboxManager;
  /** The session service, once it exists (it calls back here when class copies are made). */
  sessions: () => SessionService;
  log: Logger;
}

/** Runs `work` on every item, at most `limit` at once; results in the items' order. */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const sameFiles = (a: FileHashes, b: FileHashes): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([path, hash]) => b[path] === hash);

/**
 * Template updates: a teacher edits a class's template and publishes; each class copy receives
 * the template's new and changed files its student has not edited, loses the files the template
 * removed that the student left as they were, and keeps everything the student edited, reported
 * as conflicts. A copy's base (the template's files it was made from or last updated to) tells the
 * student's edits from the template's. Files are read and written in the sandboxes, by the agent.
 */
export class TemplateUpdates {
  private readonly hashes: TemplateHashes;
  private readonly publishing = new KeyedLock();

  constructor(private readonly options: TemplateUpdatesOptions) {
    this.hashes = new TemplateHashes(options.sandboxes);
  }

  private get db(): Database {
    return this.options.db;
  }

  private templateKey(template: Pick<SessionRow, "id" | "createdAt">): string {
    return `${template.id}@${template.createdAt.getTime()}`;
  }

  /**
   * Records a new class copy's base: the template's files as they are now (what the copy was just
   * made from; a file the teacher changes in between looks edited by the student, so it is left
   * alone, never overwritten). Never fails the copy: without a base, an update takes the copy as
   * made from the version published before it, and leaves alone every file it cannot tell
   * untouched. A template slow to answer (its sandbox waking) holds the new copy up to BASE_WAIT_MS.
   */
  async copyMade(copyId: string, template: Pick<SessionRow, "id" | "createdAt">): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, BASE_WAIT_MS);
      timer.unref();
    });
    await Promise.race([this.recordBase(copyId, template), waited]);
    clearTimeout(timer);
  }

  private async recordBase(copyId: string, template: Pick<SessionRow, "id" | "createdAt">): Promise<void> {
    const templateId = template.id;
    try {
      const base = await this.hashes.current(this.templateKey(template), templateId);
      const [latest] = await this.db
        .select({ version: templateVersions.version })
        .from(templateVersions)
        .where(eq(templateVersions.templateId, templateId))
        .orderBy(desc(templateVersions.version))
        .limit(1);
      await this.db
        .insert(copyBases)
        .values({ copyId, templateId, base, version: latest?.version ?? 0 })
        .onConflictDoNothing();
    } catch (error) {
      this.options.log.warn({ err: error, copyId, templateId }, "could not record a class copy's base");
    }
  }

  /** Forgets what a removed session held here: as a template (its versions) and as a class copy (its base). */
  async removed(id: string): Promise<void> {
    await this.db.delete(copyBases).where(eq(copyBases.copyId, id));
    await this.db.delete(copyBases).where(eq(copyBases.templateId, id));
    await this.db.delete(templateVersions).where(eq(templateVersions.templateId, id));
  }

  /** The template's owner's template (a class copy publishes nothing); anyone else: "does not exist". */
  private async template(caller: Caller, templateId: string): Promise<SessionRow> {
    const template = await this.options.sessions().authorize(caller, templateId, "write");
    if (template.classCopy)
      throw new InvalidRequestError(`${templateId} is a class copy: updates are published from the class's template`);
    return template;
  }

  private async copiesOf(templateId: string): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.forkedFrom, templateId), eq(sessions.classCopy, true)))
      .orderBy(sessions.createdAt);
  }

  /**
   * Publishes the template's files as they are now to every class copy made from it: its owner
   * only. Copies are updated a few at a time; one that fails is reported and the others go on.
   */
  async publish(caller: Caller, templateId: string): Promise<PublishResult> {
    const template = await this.template(caller, templateId);
    return this.publishing.run(templateId, async () => {
      const started = Date.now();
      const read = await readTemplate(this.options.sandboxes, templateId);
      this.hashes.remember(this.templateKey(template), read);
      const next: FileHashes = Object.fromEntries(read.map((file) => [file.path, file.hash]));
      const version = await this.newVersion(templateId, next);
      const byPath = new Map(read.map((file) => [file.path, file]));
      const copies = await this.copiesOf(templateId);
      this.options.log.info({ templateId, version, files: read.length, copies: copies.length }, "publishing a template update");
      const results = await eachLimited(copies, PARALLEL_COPIES, (copy) =>
        this.updateCopy(copy, templateId, version, next, byPath),
      );
      const result: PublishResult = {
        template_id: templateId,
        version,
        files: read.length,
        copies: results.length,
        updated: results.filter((r) => r.applied.length > 0).length,
        applied: results.reduce((sum, r) => sum + r.applied.length, 0),
        conflicts: results.reduce((sum, r) => sum + r.conflicts.length, 0),
        failed: results.filter((r) => r.error !== null).length,
        results,
      };
      const { results: _each, ...summary } = result;
      this.options.log.info({ ...summary, ms: Date.now() - started }, "published a template update");
      return result;
    });
  }

  /** The template's last published version, if any. */
  private async latestVersion(templateId: string): Promise<typeof templateVersions.$inferSelect | undefined> {
    const [latest] = await this.db
      .select()
      .from(templateVersions)
      .where(eq(templateVersions.templateId, templateId))
      .orderBy(desc(templateVersions.version))
      .limit(1);
    return latest;
  }

  /** The version `files` are published as: the last one again when nothing changed since, else a new one. */
  private async newVersion(templateId: string, files: FileHashes): Promise<number> {
    const latest = await this.latestVersion(templateId);
    if (latest && sameFiles(latest.files, files)) return latest.version;
    const version = (latest?.version ?? 0) + 1;
    await this.db.insert(templateVersions).values({ templateId, version, files });
    return version;
  }

  /** A copy's base: the one recorded, else the files of the version published before it was made (none before any). */
  private async baseOf(copy: SessionRow, templateId: string): Promise<FileHashes> {
    const [row] = await this.db.select().from(copyBases).where(eq(copyBases.copyId, copy.id));
    if (row && row.templateId === templateId) return row.base;
    const [before] = await this.db
      .select()
      .from(templateVersions)
      .where(and(eq(templateVersions.templateId, templateId), lte(templateVersions.createdAt, copy.createdAt)))
      .orderBy(desc(templateVersions.version))
      .limit(1);
    return before?.files ?? {};
  }

  private async updateCopy(
    copy: SessionRow,
    templateId: string,
    version: number,
    next: FileHashes,
    files: Map<string, TemplateFile>,
  ): Promise<CopyUpdate> {
    const { sandboxes, log } = this.options;
    const result: CopyUpdate = { session_id: copy.id, name: copy.name, applied: [], conflicts: [], error: null };
    const base = await this.baseOf(copy, templateId);
    let reached = base;
    let weighed = false;
    try {
      const found = await copyFiles(sandboxes, copy.id, pathsToWeigh(base, next));
      const plan = planUpdate(base, next, found);
      result.conflicts = plan.conflicts;
      weighed = true;
      reached = { ...plan.base };
      const failures: string[] = [];
      for (const change of plan.changes) {
        const file = files.get(change.path);
        try {
          if (change.action === "removed") await sandboxFiles.deleteFile(sandboxes, copy.id, change.path, false);
          else if (file) await sandboxFiles.writeFile(sandboxes, copy.id, change.path, file.data, file.mode);
          result.applied.push(change);
        } catch (error) {
          // One file that cannot be written (a file where its folder goes, a full disk) keeps its old base; the others go on.
          const was = base[change.path];
          if (was === undefined) delete reached[change.path];
          else reached[change.path] = was;
          const doing = change.action === "removed" ? "remove" : "write";
          failures.push(`could not ${doing} ${change.path}: ${error instanceof Error ? error.message : String(error)}`);
          log.warn({ err: error, copyId: copy.id, templateId, path: change.path }, "could not update a class copy's file");
        }
      }
      if (failures.length > 0)
        result.error = failures.slice(0, 3).join("; ") + (failures.length > 3 ? `; and ${failures.length - 3} more` : "");
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      log.warn({ err: error, copyId: copy.id, templateId }, "could not update a class copy");
    }
    // What was written is the copy's base even when another file failed; the version only once all was.
    const values = {
      templateId,
      base: reached,
      error: result.error,
      updatedAt: new Date(),
      ...(weighed ? { conflicts: result.conflicts } : {}),
    };
    await this.db
      .insert(copyBases)
      .values({ copyId: copy.id, ...values, version: result.error ? 0 : version })
      .onConflictDoUpdate({ target: copyBases.copyId, set: result.error ? values : { ...values, version } });
    return result;
  }

  /** Where each class copy stands against the template's last published version: for the template's owner. */
  async status(caller: Caller, templateId: string): Promise<ClassUpdates> {
    await this.template(caller, templateId);
    const latest = await this.latestVersion(templateId);
    const copies = await this.copiesOf(templateId);
    const rows =
      copies.length === 0
        ? []
        : await this.db
            .select()
            .from(copyBases)
            .where(
              inArray(
                copyBases.copyId,
                copies.map((copy) => copy.id),
              ),
            );
    return {
      template_id: templateId,
      published: latest
        ? { version: latest.version, at: latest.createdAt.toISOString(), files: Object.keys(latest.files).length }
        : null,
      copies: copies.map((copy): CopyUpdateState => {
        const row = rows.find((r) => r.copyId === copy.id && r.templateId === templateId);
        const version = row?.version ?? 0;
        const conflicts = row?.conflicts ?? [];
        const error = row?.error ?? null;
        const state = error
          ? "failed"
          : conflicts.length > 0
            ? "conflicts"
            : latest && version < latest.version
              ? "behind"
              : "up to date";
        return {
          session_id: copy.id,
          version,
          state,
          conflicts,
          error,
          updated_at: row ? row.updatedAt.toISOString() : null,
        };
      }),
    };
  }
}
