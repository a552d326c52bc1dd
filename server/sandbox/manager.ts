import "server-only";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import { sandboxEnv } from "@/lib/languages";
import type { Limits } from "@/server/config";
import type { Database } from "@/server/db/client";
import { sandboxes } from "@/server/db/schema";
import type { ObjectStore } from "@/server/storage/object-store";
import type { AgentClient } from "./agent/client";
import { adoptSandbox, openSandbox, type OpenSandbox } from "./agent/open";
import type { PtyHandle, PtyOptions, SandboxDriver } from "./engine/driver";
import { SandboxUnavailableError } from "./errors";
import { KeyedLock } from "../util/keyed-lock";
import { scrubCommand } from "./workspaces/sandbox-user";
import { FolderWorkspaces, type Workspaces } from "./workspaces/store";

/**
 * The layers this host has unpacked, as sandboxes need them (setup/ provides them: the arrow runs
 * from setup to sandbox, never back).
 */
export interface HostLayers {
  /** The host folder holding the layer, unpacked first when needed. */
  ensure(key: string): Promise<string>;
  /** Clears what interrupted work left. */
  recover(): Promise<unknown>;
}

/**
 * What sandboxes ask of egress (server/egress provides it; the arrow runs from egress to sandbox):
 * the environment a sandbox starts with, and serving it once its agent is up.
 */
export interface SandboxEgress {
  startEnv: (sessionId: string) => Promise<Record<string, string>>;
  attach: (sessionId: string, agent: AgentClient) => Promise<void>;
}

export interface SandboxManagerOptions {
  driver: SandboxDriver;
  store: ObjectStore;
  db: Database;
  image: string;
  dataDir: string;
  limits: Limits;
  idleTimeoutMs: number;
  log: Logger;
  /** Host folder with the agent's code; defaults to server/sandbox/agent/inside in the project. */
  agentDir?: string;
  /** Where layers are unpacked on this host; sandboxes of sessions with a layer mount theirs. */
  layers?: HostLayers;
  /** Where workspaces live on this host; plain folders unless given. */
  workspaces?: Workspaces;
  /** The sandboxes' egress (server/egress): their proxy environment, and serving it once they are up. */
  egress?: SandboxEgress;
  /** Host PEM bundle mounted into sandboxes (programs behind the egress proxy trust it). */
  caBundle?: string;
}

/** A sandbox that is up: its container and the connection to its agent. */
export interface LiveSandbox {
  sessionId: string;
  containerId: string;
  agent: AgentClient;
  lastActive: number;
  busy: number;
}

export type SandboxState = "running" | "hibernated" | "none";

/** How long archiving a workspace for a snapshot, or unpacking one, may take. */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

/**
 * Owns the sandboxes of one Sandpit process: starts them on first use, adopts the ones that
 * survived a restart, hibernates idle ones to the object store and wakes them on demand.
 */
/** Forks of one source copied together; `done` holds one result per target, in order. */
interface ForkBatch {
  targets: string[];
  done: Promise<PromiseSettledResult<void>[]>;
}

export class SandboxManager {
  private readonly live = new Map<string, LiveSandbox>();
  private readonly liveListeners: Array<(sandbox: LiveSandbox) => void> = [];
  private readonly lock = new KeyedLock();
  /** Forks of a source waiting for its lock, to be copied together (see forkWorkspace). */
  private readonly forkBatches = new Map<string, ForkBatch>();
  private sweeper: NodeJS.Timeout | undefined;
  readonly agentDir: string;
  readonly workspaces: Workspaces;

  constructor(private readonly options: SandboxManagerOptions) {
    this.agentDir = options.agentDir ?? path.join(process.cwd(), "server", "sandbox", "agent", "inside");
    this.workspaces = options.workspaces ?? new FolderWorkspaces(options.dataDir);
  }

  get limits(): Limits {
    return this.options.limits;
  }

  /** Sandboxes this process holds open now. */
  get openCount(): number {
    return this.live.size;
  }

  private get log(): Logger {
    return this.options.log;
  }

  /** The sandbox of a session, started or woken when needed. */
  async ensure(sessionId: string): Promise<LiveSandbox> {
    const current = this.live.get(sessionId);
    if (current?.agent.isOpen) {
      current.lastActive = Date.now();
      return current;
    }
    return this.lock.run(sessionId, async () => {
      const again = this.live.get(sessionId);
      if (again?.agent.isOpen) return again;
      return this.wake(sessionId);
    });
  }

  /** Runs `work` with the session's sandbox; it counts as activity and is never hibernated meanwhile. */
  async use<T>(sessionId: string, work: (sandbox: LiveSandbox) => Promise<T>): Promise<T> {
    const sandbox = await this.ensure(sessionId);
    sandbox.busy += 1;
    try {
      return await work(sandbox);
    } finally {
      sandbox.busy -= 1;
      sandbox.lastActive = Date.now();
    }
  }

  /** The live sandbox, if there is one, without starting anything. */
  peek(sessionId: string): LiveSandbox | undefined {
    const sandbox = this.live.get(sessionId);
    return sandbox?.agent.isOpen ? sandbox : undefined;
  }

  async state(sessionId: string): Promise<SandboxState> {
    if (this.peek(sessionId)) return "running";
    const [row] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
    if (row?.state === "hibernated" || (row && this.workspaces.exists(sessionId))) return "hibernated";
    return "none";
  }

  private async wake(sessionId: string): Promise<LiveSandbox> {
    const started = Date.now();
    const { db, driver, store } = this.options;
    const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));

    // A container left over for this session (killed, or from an older agent) is replaced.
    for (const container of await driver.list()) {
      if (container.sessionId === sessionId && container.role === "sandbox") await driver.remove(container.id);
    }
    const layerKey = row?.layerKey ?? undefined;
    const layerDir = layerKey && this.options.layers ? await this.options.layers.ensure(layerKey) : undefined;
    // No network at run time: Go resolves modules from the layer's cache only, unless egress lets it out.
    // The languages' env, then the egress policy's (proxy and Go module settings) over it.
    const env = { ...sandboxEnv(), ...(await this.options.egress?.startEnv(sessionId)) };
    const start = (workspaceDir: string): Promise<OpenSandbox> =>
      openSandbox(
        driver,
        {
          sessionId,
          image: this.options.image,
          workspaceDir,
          agentDir: this.agentDir,
          layerDir,
          limits: this.options.limits,
          network: false,
          caBundle: this.options.caBundle,
          env,
        },
        this.log,
      );

    const { workspaces } = this;
    const snapshotKey = row?.snapshotKey;
    let sandbox: OpenSandbox | undefined;
    if (!workspaces.exists(sessionId) && snapshotKey) {
      // Unpacked inside the sandbox, as the sandbox user, into an empty workspace that gets its
      // final name only once the whole snapshot is in.
      this.log.info({ sessionId, snapshot: snapshotKey }, "restoring workspace snapshot");
      try {
        await workspaces.restore(sessionId, async (dir) => {
          const restoring = await start(dir);
          sandbox = restoring;
          try {
            await restoring.agent.archiveIn(await store.get(snapshotKey), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
          } catch (error) {
            sandbox = undefined;
            restoring.agent.close();
            await driver.remove(restoring.containerId);
            throw error;
          }
        });
      } catch (error) {
        if (sandbox) {
          sandbox.agent.close();
          await driver.remove(sandbox.containerId);
        }
        throw error;
      }
    }
    if (!sandbox) {
      if (!workspaces.exists(sessionId)) await workspaces.create(sessionId);
      sandbox = await start(await workspaces.open(sessionId));
    }
    const { containerId, agent } = sandbox;
    try {
      if (layerDir && row?.seededLayerKey !== layerKey) await this.seedWorkspace(agent);
      if (row?.scrubPending) await this.scrubWorkspace(agent);
    } catch (error) {
      agent.close();
      await driver.remove(containerId);
      throw error;
    }
    const now = new Date();
    const seededLayerKey = layerDir ? (layerKey ?? null) : (row?.seededLayerKey ?? null);
    const values = {
      state: "running" as const,
      containerId,
      seededLayerKey,
      scrubPending: false,
      lastActiveAt: now,
      updatedAt: now,
    };
    await db
      .insert(sandboxes)
      .values({ sessionId, ...values })
      .onConflictDoUpdate({ target: sandboxes.sessionId, set: values });
    this.log.info(
      { sessionId, containerId, ms: Date.now() - started, restored: Boolean(snapshotKey), layer: layerKey },
      "sandbox ready",
    );
    const live = this.track(sessionId, containerId, agent);
    await this.options.egress?.attach(sessionId, agent);
    return live;
  }

  /**
   * Copies the files the setup's commands wrote into the workspace, inside the sandbox and as the
   * sandbox user; files the session already has are kept.
   */
  private async seedWorkspace(agent: AgentClient): Promise<void> {
    const result = await agent.request("run", {
      runId: `seed-${randomBytes(4).toString("hex")}`,
      argv: ["bash", "-c", "[ -d /opt/layer/workspace ] && cp -an /opt/layer/workspace/. /workspace/ || true"],
      cwd: "/workspace",
      env: {},
      timeoutMs: 120_000,
      outputLimit: 65_536,
    });
    if (result.exitCode !== 0) {
      throw new SandboxUnavailableError(
        `could not copy the setup's files into the workspace: ${Buffer.from(result.stderr, "base64").toString()}`,
      );
    }
  }

  /**
   * Deletes the sensitive files a fork's copy brought along, inside its sandbox and as the sandbox
   * user, before anything else can read them.
   */
  private async scrubWorkspace(agent: AgentClient): Promise<void> {
    const result = await agent.request("run", {
      runId: `scrub-${randomBytes(4).toString("hex")}`,
      argv: scrubCommand("/workspace"),
      cwd: "/workspace",
      env: {},
      timeoutMs: 120_000,
      outputLimit: 65_536,
    });
    if (result.exitCode !== 0) {
      throw new SandboxUnavailableError(
        `could not delete the sensitive files of a forked workspace: ${Buffer.from(result.stderr, "base64").toString()}`,
      );
    }
  }

  /**
   * Makes a session that has not started yet (a fresh fork) use another session's layer, or none
   * when that one has none: a check's copy gets its class's setup, not its student's.
   */
  async useLayerOf(sessionId: string, otherId: string): Promise<void> {
    await this.lock.run(sessionId, async () => {
      if (this.live.has(sessionId)) throw new Error(`the sandbox of ${sessionId} has started already`);
      const [other] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, otherId));
      const layerKey = other?.layerKey ?? null;
      const now = new Date();
      await this.options.db
        .insert(sandboxes)
        .values({ sessionId, state: "new", layerKey, updatedAt: now })
        .onConflictDoUpdate({ target: sandboxes.sessionId, set: { layerKey, updatedAt: now } });
    });
  }

  /**
   * Makes a session use a layer from its next start. A running sandbox is restarted (its files
   * stay) so that the layer is mounted.
   */
  async attachLayer(sessionId: string, layerKey: string): Promise<void> {
    await this.lock.run(sessionId, async () => {
      const now = new Date();
      await this.options.db
        .insert(sandboxes)
        .values({ sessionId, state: "new", layerKey, updatedAt: now })
        .onConflictDoUpdate({ target: sandboxes.sessionId, set: { layerKey, updatedAt: now } });
      const sandbox = this.live.get(sessionId);
      if (sandbox) {
        this.live.delete(sessionId);
        sandbox.agent.close();
        await this.options.driver.remove(sandbox.containerId);
      }
    });
  }

  /** Calls `listener` with each sandbox that comes up (started, woken or adopted) from now on. */
  onLive(listener: (sandbox: LiveSandbox) => void): void {
    this.liveListeners.push(listener);
  }

  private track(sessionId: string, containerId: string, agent: AgentClient): LiveSandbox {
    const sandbox: LiveSandbox = { sessionId, containerId, agent, lastActive: Date.now(), busy: 0 };
    this.live.set(sessionId, sandbox);
    for (const listener of this.liveListeners) listener(sandbox);
    agent.onClosed(() => {
      if (this.live.get(sessionId) === sandbox) this.live.delete(sessionId);
    });
    return sandbox;
  }

  /**
   * Saves the workspace as ONE snapshot in the object store and removes the container. The
   * snapshot key is recorded only after the upload completed, so a half-written one is never used.
   */
  async hibernate(sessionId: string): Promise<void> {
    await this.lock.run(sessionId, async () => {
      const { db, store } = this.options;
      if (!this.workspaces.exists(sessionId)) {
        await this.stop(sessionId);
        return;
      }
      // The snapshot is made inside the sandbox: a workspace whose container is gone is started for it.
      const sandbox = this.peek(sessionId) ?? (await this.wake(sessionId));
      const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      const key = `snapshots/${sessionId}/${Date.now()}-${randomBytes(4).toString("hex")}.tar.gz`;
      const started = Date.now();
      await store.put(key, sandbox.agent.archiveOut({ timeoutMs: SNAPSHOT_TIMEOUT_MS }));
      const bytes = (await store.head(key)) ?? 0;
      await this.stop(sessionId);
      const now = new Date();
      await db
        .insert(sandboxes)
        .values({ sessionId, state: "hibernated", containerId: null, snapshotKey: key, snapshotBytes: bytes, updatedAt: now })
        .onConflictDoUpdate({
          target: sandboxes.sessionId,
          set: { state: "hibernated", containerId: null, snapshotKey: key, snapshotBytes: bytes, updatedAt: now },
        });
      if (row?.snapshotKey && row.snapshotKey !== key) await store.delete(row.snapshotKey);
      await this.workspaces.remove(sessionId);
      this.log.info({ sessionId, key, bytes, ms: Date.now() - started }, "sandbox hibernated");
    });
  }

  /** Removes the session's sandbox containers; its workspace stays. */
  private async stop(sessionId: string): Promise<void> {
    const { driver } = this.options;
    const sandbox = this.live.get(sessionId);
    if (sandbox) {
      this.live.delete(sessionId);
      sandbox.agent.close();
      await driver.remove(sandbox.containerId);
    }
    for (const container of await driver.list()) {
      if (container.sessionId === sessionId && container.role === "sandbox") await driver.remove(container.id);
    }
  }

  /**
   * Gives `to` a copy of `from`'s workspace as it is now (sensitive files left out) and the same
   * layer. A live or local workspace is copied on this host without the host reading its files
   * (see Workspaces.copy), under the source's lock so that it is not mounted or removed meanwhile;
   * the copy's sensitive files go on its first start. From a hibernated one, the snapshot object
   * (which has none) is copied in the store.
   */
  async forkWorkspace(from: string, to: string): Promise<void> {
    // Forks of one source asked for while an earlier copy holds its lock wait together, and are
    // then copied together: one flush and one freeze for a whole class joining at once.
    let batch = this.forkBatches.get(from);
    if (!batch) {
      const fresh: ForkBatch = { targets: [], done: Promise.resolve([]) };
      // The lock runs work on a later tick at the earliest, so every target pushed until then is in.
      fresh.done = this.lock.run(from, () => {
        if (this.forkBatches.get(from) === fresh) this.forkBatches.delete(from);
        return this.copyWorkspaces(from, fresh.targets);
      });
      this.forkBatches.set(from, fresh);
      batch = fresh;
    }
    const index = batch.targets.push(to) - 1;
    const outcome = (await batch.done)[index];
    if (outcome?.status === "rejected") throw outcome.reason;
  }

  private async copyWorkspaces(from: string, targets: string[]): Promise<PromiseSettledResult<void>[]> {
    const { db } = this.options;
    const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, from));
    if (!this.workspaces.exists(from)) return Promise.allSettled(targets.map((to) => this.copyWorkspace(to, row)));
    const started = Date.now();
    await this.flushWrites(from);
    const copies = await this.workspaces.copyAll(from, targets);
    return Promise.all(
      targets.map(async (to, i): Promise<PromiseSettledResult<void>> => {
        const copied = copies[i];
        if (copied?.status !== "fulfilled") return copied ?? { status: "rejected", reason: new Error("not copied") };
        try {
          await db.insert(sandboxes).values({ ...this.forkRow(to, row), state: "new", scrubPending: true });
          this.log.info({ from, to, ms: Date.now() - started, together: targets.length }, "workspace copied");
          return copied;
        } catch (error) {
          return { status: "rejected", reason: error };
        }
      }),
    );
  }

  private forkRow(to: string, row: typeof sandboxes.$inferSelect | undefined) {
    return { sessionId: to, layerKey: row?.layerKey ?? null, seededLayerKey: row?.seededLayerKey ?? null, updatedAt: new Date() };
  }

  /** A fork of a source without a workspace on this host: its snapshot, or nothing yet. */
  private async copyWorkspace(to: string, row: typeof sandboxes.$inferSelect | undefined): Promise<void> {
    const { db, store } = this.options;
    const base = this.forkRow(to, row);
    if (row?.snapshotKey) {
      const key = `snapshots/${to}/${Date.now()}-${randomBytes(4).toString("hex")}.tar.gz`;
      await store.put(key, await store.get(row.snapshotKey));
      await db.insert(sandboxes).values({ ...base, state: "hibernated", snapshotKey: key, snapshotBytes: row.snapshotBytes });
    } else {
      await db.insert(sandboxes).values({ ...base, state: "new" });
    }
  }

  /**
   * Asks a live sandbox to write what it holds in memory to its workspace before a block-level
   * copy (gVisor keeps file data of its own); a sandbox that does not answer is copied as it is.
   */
  private async flushWrites(sessionId: string): Promise<void> {
    const sandbox = this.peek(sessionId);
    if (!sandbox) return;
    await sandbox.agent
      .request("run", {
        runId: `sync-${randomBytes(4).toString("hex")}`,
        argv: ["sync"],
        cwd: "/workspace",
        env: {},
        timeoutMs: 10_000,
        outputLimit: 4_096,
      })
      .catch((error: unknown) => this.log.warn({ sessionId, err: error }, "could not flush the sandbox's writes before a fork"));
  }

  /** Removes the container, the workspace and every snapshot of the session. */
  async destroy(sessionId: string): Promise<void> {
    await this.lock.run(sessionId, async () => {
      const { db, driver, store } = this.options;
      const sandbox = this.live.get(sessionId);
      this.live.delete(sessionId);
      sandbox?.agent.close();
      for (const container of await driver.list()) {
        if (container.sessionId === sessionId && container.role === "sandbox") await driver.remove(container.id);
      }
      for (const object of await store.list(`snapshots/${sessionId}/`)) await store.delete(object.key);
      await db.delete(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      await this.workspaces.remove(sessionId);
      this.log.info({ sessionId }, "sandbox destroyed");
    });
  }

  /**
   * Matches containers to the database at start-up: containers of unknown or hibernated sessions
   * are removed, live ones adopted (their agent answers on its socket).
   */
  async reconcile(): Promise<{ adopted: string[]; removed: string[] }> {
    const { db, driver } = this.options;
    const rows = new Map((await db.select().from(sandboxes)).map((row) => [row.sessionId, row]));
    const adopted: string[] = [];
    const removed: string[] = [];
    for (const container of await driver.list()) {
      if (container.role !== "sandbox") continue;
      const row = rows.get(container.sessionId);
      if (this.peek(container.sessionId)?.containerId === container.id) continue;
      if (row?.state === "running" && row.containerId === container.id && container.running) {
        try {
          const agent = await adoptSandbox(driver, container.id);
          this.track(container.sessionId, container.id, agent);
          await this.options.egress?.attach(container.sessionId, agent);
          adopted.push(container.sessionId);
          continue;
        } catch (error) {
          this.log.warn({ sessionId: container.sessionId, err: error }, "could not adopt sandbox; removing it");
        }
      }
      await driver.remove(container.id);
      removed.push(container.sessionId);
    }
    // Only now, with no stray container writing there, what interrupted work left is cleared.
    await this.workspaces.recover();
    await this.options.layers?.recover();
    // Sandboxes of this host recorded as running whose container is gone (the engine restarted, or
    // the server died while hibernating one): their files are here, and wake from them.
    const gone = [...rows.values()]
      .filter((row) => row.state === "running" && !adopted.includes(row.sessionId) && this.workspaces.exists(row.sessionId))
      .map((row) => row.sessionId);
    if (gone.length > 0) {
      await db
        .update(sandboxes)
        .set({ state: "hibernated", containerId: null, updatedAt: new Date() })
        .where(inArray(sandboxes.sessionId, gone));
    }
    this.log.info({ adopted: adopted.length, removed: removed.length }, "sandboxes reconciled");
    return { adopted, removed };
  }

  /** Hibernates sandboxes idle for longer than the idle timeout. */
  async sweepIdle(now = Date.now()): Promise<string[]> {
    const idle = [...this.live.values()].filter((s) => s.busy === 0 && now - s.lastActive >= this.options.idleTimeoutMs);
    for (const sandbox of idle) {
      try {
        await this.hibernate(sandbox.sessionId);
      } catch (error) {
        this.log.error({ sessionId: sandbox.sessionId, err: error }, "hibernation failed; will retry");
      }
    }
    return idle.map((s) => s.sessionId);
  }

  startIdleSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(1_000, Math.min(30_000, Math.floor(this.options.idleTimeoutMs / 4)));
    this.sweeper = setInterval(() => void this.sweepIdle(), every);
    this.sweeper.unref();
  }

  /** Stops the sweeper and closes agent connections; containers keep running for the next start. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const sandbox of this.live.values()) sandbox.agent.close();
    this.live.clear();
    await this.lock.idle();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A terminal process in a live sandbox. */
  openPty(sandbox: LiveSandbox, options: PtyOptions): Promise<PtyHandle> {
    return this.options.driver.openPty(sandbox.containerId, options);
  }
}
