import "server-only";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { and, eq, inArray, isNull, lt, notInArray, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { zodProblems } from "@/lib/api/problems";
import type { SetupView } from "@/lib/api/responses";
import { normalizeSetup, setupSpecSchema, type NormalizedSetup, type SetupSpec } from "@/lib/setup/spec";
import type { Database } from "@/server/db/client";
import { goneNodes } from "@/server/nodes/registry";
import { layers, sandboxes, setups, type LayerRecord, type SetupStepRecord } from "@/server/db/schema";
import type { SandboxManager } from "@/server/sandbox/manager";
import type { ObjectStore } from "@/server/storage/object-store";
import { SetupBusyError, SetupNotFoundError, SetupSpecError } from "./errors";
import { layerKey, specHash } from "./layer-key";
import { removeSetupFolder, runSetup, type SetupEnvironment } from "./runner";
import { planSteps } from "./steps";

export type { SetupView } from "@/lib/api/responses";
export type SetupStatus = SetupView["status"];

export interface SetupServiceOptions {
  db: Database;
  store: ObjectStore;
  sandboxes: SandboxManager;
  environment: SetupEnvironment;
  /** The runtime image's id, part of every layer key. */
  imageId: () => Promise<string>;
  concurrency: number;
  log: Logger;
  /**
   * The node this process is: it queues, runs and recovers the setups submitted to it, and takes
   * over those of nodes that are gone (see takeOverLost).
   */
  node?: string;
  /** Told whether each setup found its layer stored (a hit) or builds it (a miss). */
  onLayerLookup?: (hit: boolean) => void;
}

const PROGRESS_WRITE_MS = 300;

/** Runs setups asynchronously through a bounded queue and stores each result as a layer. */
export class SetupService {
  private readonly waiting: string[] = [];
  private readonly active = new Set<string>();
  private closed = false;
  private readonly settled = new Map<string, Array<() => void>>();

  constructor(private readonly options: SetupServiceOptions) {}

  /** Setups waiting for a place, and setups running, in this process. */
  get queue(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.active.size };
  }

  /**
   * Validates and stores a setup, then queues it; a stored layer for the same spec completes it at
   * once. `settledOnly` refuses (SetupBusyError) while the session's current setup is pending or running.
   */
  async submit(sessionId: string, input: unknown, options: { settledOnly?: boolean } = {}): Promise<SetupView> {
    const parsed = setupSpecSchema.safeParse(input);
    if (!parsed.success) throw new SetupSpecError(zodProblems(parsed.error.issues, ["setup"]));
    const spec = parsed.data;
    const normalized = normalizeSetup(spec);
    const key = layerKey(normalized, await this.options.imageId());
    const now = new Date();
    // A new setup whose layer is stored already (a fork's, a class copy's) is written completed.
    let layerStored: boolean | undefined;
    if (!options.settledOnly) {
      const completed = await this.submitFromCache(sessionId, spec, key, normalized, now);
      if (completed) return completed;
      layerStored = false;
    }
    const row = {
      ...this.newRow(sessionId, spec, key, normalized, now),
      status: "pending" as const,
      success: null,
      durationMs: null,
      steps: [],
      layer: null,
      note: null,
      startedAt: null,
      finishedAt: null,
    };
    const stored = await this.options.db
      .insert(setups)
      .values(row)
      .onConflictDoUpdate({
        target: setups.sessionId,
        set: row,
        // In the same statement as the write: two edits at once cannot both replace a settled setup.
        ...(options.settledOnly ? { setWhere: notInArray(setups.status, ["pending", "running"]) } : {}),
      })
      .returning({ status: setups.status });
    if (stored.length === 0) {
      const current = await this.get(sessionId);
      throw new SetupBusyError(sessionId, current?.status ?? "running");
    }
    // (Not looked up again when submitFromCache just found no stored layer.)
    if (layerStored !== false && (await this.completeFromCache(sessionId, key, normalized))) return this.view(sessionId);
    // The answer shows the setup as submitted (pending); the queue may pick it up at once.
    const submitted = await this.view(sessionId);
    this.enqueue(sessionId);
    return submitted;
  }

  /** Runs the same setup again (after a failure, for example). */
  async retry(sessionId: string): Promise<SetupView> {
    const [row] = await this.options.db.select().from(setups).where(eq(setups.sessionId, sessionId));
    if (!row) throw new SetupNotFoundError(sessionId);
    if (row.status === "pending" || row.status === "running") throw new SetupBusyError(sessionId, row.status);
    return this.submit(sessionId, row.spec, { settledOnly: true });
  }

  /**
   * A new setup for the session, run as a new layer. The session keeps the layer it has (and its
   * workspace its files) while the new one runs, and if it fails; only a completed one replaces it.
   */
  async replace(sessionId: string, input: unknown): Promise<SetupView> {
    return this.submit(sessionId, input, { settledOnly: true });
  }

  async get(sessionId: string): Promise<SetupView | undefined> {
    const [row] = await this.options.db.select().from(setups).where(eq(setups.sessionId, sessionId));
    return row ? toView(row) : undefined;
  }

  /** A setup row as the API shows it (for callers that read the row already). */
  viewOf(row: typeof setups.$inferSelect): SetupView {
    return toView(row);
  }

  private async view(sessionId: string): Promise<SetupView> {
    const view = await this.get(sessionId);
    if (!view) throw new SetupNotFoundError(sessionId);
    return view;
  }

  async delete(sessionId: string): Promise<void> {
    const index = this.waiting.indexOf(sessionId);
    if (index >= 0) this.waiting.splice(index, 1);
    await this.options.db.delete(setups).where(eq(setups.sessionId, sessionId));
  }

  /** Resolves once the session's setup is completed or failed (for tests and the CLI). */
  async waitFor(sessionId: string, timeoutMs = 600_000): Promise<SetupView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.view(sessionId);
      if (view.status === "completed" || view.status === "failed") return view;
      if (Date.now() > deadline) throw new Error(`setup of ${sessionId} still ${view.status} after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const list = this.settled.get(sessionId) ?? [];
        list.push(resolve);
        this.settled.set(sessionId, list);
        setTimeout(resolve, 500);
      });
    }
  }

  /**
   * After a restart: setups left `running` by the previous process are queued again (their
   * container is gone with it) and `pending` ones are queued; none stays stuck. Only this node's:
   * another Sandpit on the same database runs its own (setups from before nodes count as this one's).
   */
  async recover(): Promise<number> {
    const { db, environment } = this.options;
    const mine = this.options.node ? or(eq(setups.node, this.options.node), isNull(setups.node)) : undefined;
    // The rows first: an attempt whose container goes below then finds its row queued again, not
    // running, and leaves it alone instead of recording the failure it sees.
    await db
      .update(setups)
      .set({
        status: "pending",
        note: "queued again: the server restarted while this setup was running",
        steps: [],
        startedAt: null,
      })
      .where(and(eq(setups.status, "running"), mine));
    for (const container of await environment.driver.list()) {
      if (container.role === "setup") await environment.driver.remove(container.id);
    }
    // The work folders of interrupted setups: never used again, their layer was never stored.
    for (const name of await readdir(environment.dataDir).catch(() => [])) {
      if (name.startsWith("setup-")) await removeSetupFolder(path.join(environment.dataDir, name.replace(/\.ext4$/, "")));
    }
    const pending = await db
      .select({ sessionId: setups.sessionId })
      .from(setups)
      .where(and(eq(setups.status, "pending"), mine))
      .orderBy(setups.queuedAt);
    for (const { sessionId } of pending) this.enqueue(sessionId);
    return pending.length;
  }

  /**
   * Setups pending or running on nodes that are gone (lost: their heartbeat lapsed; or stopped and
   * not back) become this node's and are queued here, each once: one conditional update moves them,
   * so of two nodes taking over at once only one gets each. What the gone node had done is dropped
   * (its container went with it); an attempt of it that still finishes is no longer the row's.
   * Called with each heartbeat; returns how many it took.
   */
  async takeOverLost(): Promise<number> {
    const { db, node, log } = this.options;
    if (!node || this.closed) return 0;
    const gone = await goneNodes(db, node);
    if (gone.length === 0) return 0;
    const taken = await db
      .update(setups)
      .set({
        node,
        status: "pending",
        note: sql`'queued again on another node: node ' || ${setups.node} || ' stopped answering while this setup was ' || ${setups.status}`,
        steps: [],
        startedAt: null,
      })
      .where(and(inArray(setups.status, ["pending", "running"]), inArray(setups.node, gone)))
      .returning({ sessionId: setups.sessionId, queuedAt: setups.queuedAt });
    if (taken.length === 0) return 0;
    log.warn({ node, from: gone, sessions: taken.map((row) => row.sessionId) }, "took over setups of nodes that are gone");
    taken.sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime());
    for (const { sessionId } of taken) this.enqueue(sessionId);
    return taken.length;
  }

  /**
   * Stores a setup completed from a stored layer in one write, once the session uses the layer
   * (as completeFromCache does, without the pending row first and the view read after); undefined
   * when the layer is not stored.
   */
  private async submitFromCache(
    sessionId: string,
    spec: SetupSpec,
    key: string,
    normalized: NormalizedSetup,
    now: Date,
  ): Promise<SetupView | undefined> {
    // Marked used before it is looked up: a prune of old layers running meanwhile leaves it be.
    const [known] = await this.options.db
      .update(layers)
      .set({ lastUsedAt: now })
      .where(eq(layers.key, key))
      .returning({ files: layers.files });
    const bytes = await this.options.store.head(key);
    if (bytes === undefined) return undefined;
    this.options.onLayerLookup?.(true);
    const layer: LayerRecord = { key, bytes, files: known?.files ?? 0, cache_hit: true };
    // The session uses the layer before anyone can see `completed`.
    await this.useLayer(sessionId, key, bytes, layer.files);
    const row = { ...this.newRow(sessionId, spec, key, normalized, now), ...completedFromCache(normalized, layer, now) };
    const [stored] = await this.options.db
      .insert(setups)
      .values(row)
      .onConflictDoUpdate({ target: setups.sessionId, set: row })
      .returning();
    this.options.log.info({ sessionId, key }, "setup completed from a stored layer");
    return stored ? toView(stored) : this.view(sessionId);
  }

  /** What every newly submitted setup's row holds, whatever its status. */
  private newRow(sessionId: string, spec: SetupSpec, key: string, normalized: NormalizedSetup, now: Date) {
    return {
      sessionId,
      node: this.options.node ?? null,
      spec: spec as Record<string, unknown>,
      specHash: specHash(normalized),
      layerKey: key,
      error: null,
      stdout: null,
      stderr: null,
      queuedAt: now,
    };
  }

  private async completeFromCache(sessionId: string, key: string, normalized: NormalizedSetup): Promise<boolean> {
    const bytes = await this.options.store.head(key);
    if (bytes === undefined) return false;
    this.options.onLayerLookup?.(true);
    const [known] = await this.options.db.select().from(layers).where(eq(layers.key, key));
    const now = new Date();
    const layer: LayerRecord = { key, bytes, files: known?.files ?? 0, cache_hit: true };
    // The session uses the layer before anyone can see `completed`.
    await this.useLayer(sessionId, key, bytes, layer.files);
    await this.options.db
      .update(setups)
      .set(completedFromCache(normalized, layer, now))
      .where(eq(setups.sessionId, sessionId));
    this.options.log.info({ sessionId, key }, "setup completed from a stored layer");
    return true;
  }

  private async useLayer(sessionId: string, key: string, bytes: number, files: number): Promise<void> {
    const now = new Date();
    await this.options.db
      .insert(layers)
      .values({ key, bytes, files, createdAt: now, lastUsedAt: now })
      .onConflictDoUpdate({ target: layers.key, set: { lastUsedAt: now } });
    await this.options.sandboxes.attachLayer(sessionId, key);
  }

  private enqueue(sessionId: string): void {
    if (this.closed || this.waiting.includes(sessionId) || this.active.has(sessionId)) return;
    this.waiting.push(sessionId);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.options.concurrency && this.waiting.length > 0) {
      const sessionId = this.waiting.shift() as string;
      this.active.add(sessionId);
      void this.execute(sessionId)
        .catch((error: unknown) => this.options.log.error({ sessionId, err: error }, "setup job failed unexpectedly"))
        .finally(() => {
          this.active.delete(sessionId);
          for (const wake of this.settled.get(sessionId) ?? []) wake();
          this.settled.delete(sessionId);
          this.pump();
        });
    }
  }

  private async execute(sessionId: string): Promise<void> {
    const { db, log } = this.options;
    const [row] = await db.select().from(setups).where(eq(setups.sessionId, sessionId));
    if (!row || row.status !== "pending") return;
    const spec = row.spec as SetupSpec;
    const normalized = normalizeSetup(spec);
    if (await this.completeFromCache(sessionId, row.layerKey, normalized)) return;

    const started = new Date();
    // Each attempt owns the row until it finishes; a stale attempt (from before a restart) cannot overwrite a newer one.
    // A setup another node took over meanwhile is that node's to run.
    const ours = this.options.node ? or(eq(setups.node, this.options.node), isNull(setups.node)) : undefined;
    const [claimed] = await db
      .update(setups)
      .set({ status: "running", startedAt: started, attempts: sql`${setups.attempts} + 1` })
      .where(and(eq(setups.sessionId, sessionId), eq(setups.status, "pending"), ours))
      .returning({ attempt: setups.attempts });
    if (!claimed) return;
    this.options.onLayerLookup?.(false);
    const mine = and(eq(setups.sessionId, sessionId), eq(setups.attempts, claimed.attempt));
    log.info({ sessionId, layerKey: row.layerKey }, "setup started");

    let latest: SetupStepRecord[] = [];
    let dirty = false;
    const flush = async (): Promise<void> => {
      if (!dirty) return;
      dirty = false;
      await db
        .update(setups)
        .set({ steps: latest })
        .where(and(mine, eq(setups.status, "running")));
    };
    const timer = setInterval(() => void flush().catch(() => undefined), PROGRESS_WRITE_MS);
    let outcome;
    try {
      outcome = await runSetup(
        this.options.environment,
        { sessionId, layerKey: row.layerKey, steps: planSteps(normalized, spec), envs: normalized.envs },
        (steps) => {
          latest = structuredClone(steps);
          dirty = true;
        },
      );
    } finally {
      clearInterval(timer);
    }
    const [current] = await db
      .select({ attempts: setups.attempts, status: setups.status })
      .from(setups)
      .where(eq(setups.sessionId, sessionId));
    // A newer attempt took over, or recovery queued the setup again (its container was removed
    // under this attempt, which then fails): the row is no longer this attempt's to finish. A closed
    // service (the server is stopping) leaves it running too, so the next start queues it again.
    if (this.closed || current?.attempts !== claimed.attempt || current.status !== "running") return;
    if (outcome.layer) await this.useLayer(sessionId, outcome.layer.key, outcome.layer.bytes, outcome.layer.files);
    const finished = new Date();
    await db
      .update(setups)
      .set({
        status: outcome.success ? "completed" : "failed",
        success: outcome.success,
        durationMs: finished.getTime() - started.getTime(),
        error: outcome.error ?? null,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        steps: outcome.steps,
        layer: outcome.layer ?? null,
        finishedAt: finished,
      })
      .where(and(mine, eq(setups.status, "running")));
    log.info(
      { sessionId, success: outcome.success, ms: finished.getTime() - started.getTime(), error: outcome.error },
      "setup finished",
    );
  }

  /**
   * Deletes stored layers that no session has used for `days` days and that no setup still
   * points at; returns the deleted keys.
   */
  async prune(days: number, now = new Date()): Promise<string[]> {
    const { db, store, log } = this.options;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const stale = await db.select().from(layers).where(lt(layers.lastUsedAt, cutoff));
    if (stale.length === 0) return [];
    const keys = stale.map((l) => l.key);
    // A sandbox still mounts the layer of its last completed setup when a later edit failed.
    const referenced = new Set([
      ...(await db.select({ key: setups.layerKey }).from(setups).where(inArray(setups.layerKey, keys))).map((r) => r.key),
      ...(await db.select({ key: sandboxes.layerKey }).from(sandboxes).where(inArray(sandboxes.layerKey, keys))).map(
        (r) => r.key,
      ),
    ]);
    const deleted: string[] = [];
    for (const layer of stale) {
      if (referenced.has(layer.key)) continue;
      await store.delete(layer.key);
      await db.delete(layers).where(eq(layers.key, layer.key));
      deleted.push(layer.key);
    }
    log.info({ deleted: deleted.length, days }, "layers pruned");
    return deleted;
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }
}

function stepsOf(setup: NormalizedSetup): Array<SetupStepRecord["name"]> {
  const names: Array<SetupStepRecord["name"]> = [];
  if (setup.pip.length > 0) names.push("pip");
  if (setup.npm.length > 0) names.push("npm");
  if (setup.go.length > 0) names.push("go");
  if (setup.commands.length > 0) names.push("commands");
  return names;
}

/** A setup's fields once a stored layer completed it. */
function completedFromCache(normalized: NormalizedSetup, layer: LayerRecord, now: Date) {
  return {
    status: "completed" as const,
    success: true,
    durationMs: 0,
    layer,
    steps: stepsOf(normalized).map((name) => ({
      name,
      status: "completed" as const,
      started_at: null,
      duration_ms: 0,
      log: "",
      exit_code: 0,
    })),
    startedAt: now,
    finishedAt: now,
    note: "the layer for this setup was already stored: nothing to install",
  };
}

function toView(row: typeof setups.$inferSelect): SetupView {
  const normalized = normalizeSetup(row.spec);
  return {
    status: row.status,
    success: row.success,
    duration_ms: row.durationMs,
    pip_packages: normalized.pip,
    npm_packages: normalized.npm,
    go_modules: normalized.go,
    commands_run: row.steps.find((step) => step.name === "commands")?.status === "completed" ? normalized.commands.length : 0,
    error: row.error,
    stdout: row.stdout ?? "",
    stderr: row.stderr ?? "",
    steps: row.steps,
    layer: row.layer ?? null,
    queued_at: row.queuedAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
    note: row.note,
  };
}
