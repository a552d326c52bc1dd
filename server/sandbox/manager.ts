import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { sandboxEnv } from "@/lib/languages";
import type { Limits } from "@/server/config";
import type { Database } from "@/server/db/client";
import { sandboxes } from "@/server/db/schema";
import type { ObjectStore } from "@/server/storage/object-store";
import { isSessionElsewhere } from "@/server/nodes/errors";
import type { LeaseService, TakenLease } from "@/server/nodes/leases";
import type { AgentClient } from "./agent/client";
import { Readable } from "node:stream";
import { agentBundleDir } from "./agent/bundle";
import { adoptSandbox, openSandbox, type OpenSandbox } from "./agent/open";
import { SLOT_FORK, type PtyHandle, type PtyOptions, type SandboxDriver } from "./engine/driver";
import { SandboxUnavailableError } from "./errors";
import { KeyedLock } from "../util/keyed-lock";
import { SnapshotSchedule, type BackgroundSnapshot } from "./snapshot-schedule";
import { WARM_SHELL, WarmPool, type Kind, type WarmSandbox } from "./pool";
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
  /** The environment of a session without egress (what warm sandboxes start with). */
  baseEnv: () => Record<string, string>;
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
  /**
   * How often running sandboxes used since their last snapshot are snapshotted in the background
   * (see startSnapshots); none when unset or 0.
   */
  snapshotIntervalMs?: number;
  log: Logger;
  /** Host folder with the agent's bundle; defaults to the one scripts/build-agent.mjs writes (agentBundleDir). */
  agentDir?: string;
  /** Where layers are unpacked on this host; sandboxes of sessions with a layer mount theirs. */
  layers?: HostLayers;
  /** Where workspaces live on this host; plain folders unless given. */
  workspaces?: Workspaces;
  /** The sandboxes' egress (server/egress): their proxy environment, and serving it once they are up. */
  egress?: SandboxEgress;
  /** Host PEM bundle mounted into sandboxes (programs behind the egress proxy trust it). */
  caBundle?: string;
  /**
   * Sandboxes started ahead of need: `size` kept ready for new sessions without a setup, at most
   * `max` at once with class warm-ups. None when unset.
   */
  pool?: { size: number; max: number };
  /**
   * Session leases (server/nodes): a sandbox starts only on the node holding its session's lease.
   * Without them this process assumes it is the only one.
   */
  leases?: LeaseService;
}

/** A sandbox that is up: its container and the connection to its agent. */
export interface LiveSandbox {
  sessionId: string;
  containerId: string;
  agent: AgentClient;
  lastActive: number;
  busy: number;
  /** The `lastActive` its latest snapshot covers: used since when it is later (see dueForSnapshot). */
  snapshotActivity: number;
}

export type SandboxState = "running" | "hibernated" | "none";

/** A session taken over from a node that stopped renewing its lease, woken from the snapshot of `snapshotAt`. */
export interface Recovery {
  at: Date;
  /** When the files it woke with were saved; null when it had no snapshot and woke without its files. */
  snapshotAt: Date | null;
  fromNode: string;
}

/** A session's sandbox as the API tells it. */
export interface SandboxSummary {
  state: SandboxState;
  /** When the latest snapshot's files were read; null before the first. */
  snapshotAt: Date | null;
  /** The last time it was taken over from a lost node; null when it never was. */
  recovered: Recovery | null;
}

/** How long archiving a workspace for a snapshot, or unpacking one, may take. */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;
/**
 * A fork into warm sandboxes carries the source's files as one archive held in memory: a bigger
 * workspace is copied at block level instead.
 */
const WARM_FORK_MAX_BYTES = 32 * 1024 * 1024;
/** Warm sandboxes filled at once by one fork batch. */
const WARM_FORK_PARALLEL = 4;
/** How long a sandbox of a setup that just started one is kept ready for the next session of that setup. */
const RECENT_SETUP_MS = 10 * 60_000;
/** How long a destroyed session is remembered, for forks into it still under way (far longer than a fork takes). */
const DELETED_KEPT_MS = 60 * 60_000;
/** How long one archive of a session fills the warm sandboxes started for its forks. */
const PREFILL_REUSE_MS = 5_000;

/**
 * Forks of one source copied together; each target's outcome is told as soon as it is known
 * (`tell`), the rest when the batch ends (`done`, one result per target, in order).
 */
interface ForkBatch {
  targets: string[];
  tellers: Array<(outcome: PromiseSettledResult<void>) => void>;
  done: Promise<PromiseSettledResult<void>[]>;
}

/**
 * Owns the sandboxes of one Sandpit process: starts them on first use, adopts the ones that
 * survived a restart, hibernates idle ones to the object store and wakes them on demand.
 */
export class SandboxManager {
  private readonly live = new Map<string, LiveSandbox>();
  private readonly liveListeners: Array<(sandbox: LiveSandbox) => void> = [];
  private readonly lock = new KeyedLock();
  /** Forks of a source waiting for its lock, to be copied together (see forkWorkspace). */
  private readonly forkBatches = new Map<string, ForkBatch>();
  /** Sessions destroyed lately, and when: a fork into one of them still under way is undone (see intoFork). */
  private readonly deleted = new Map<string, number>();
  /** The last archive of each session whose forks are filled ahead (see prefill). */
  private readonly prefills = new Map<string, { at: number; archive: Buffer; tag: string }>();
  private sweeper: NodeJS.Timeout | undefined;
  private snapshots: SnapshotSchedule | undefined;
  readonly agentDir: string;
  readonly workspaces: Workspaces;
  /** Sandboxes started ahead of need (none unless configured). */
  readonly pool: WarmPool | undefined;

  constructor(private readonly options: SandboxManagerOptions) {
    this.agentDir = options.agentDir ?? agentBundleDir();
    this.workspaces = options.workspaces ?? new FolderWorkspaces(options.dataDir);
    const pool = options.pool;
    this.pool =
      pool && pool.max > 0
        ? new WarmPool({
            driver: options.driver,
            workspaces: this.workspaces,
            layers: options.layers,
            image: options.image,
            agentDir: this.agentDir,
            limits: options.limits,
            caBundle: options.caBundle,
            size: Math.min(pool.size, pool.max),
            max: pool.max,
            log: options.log.child({ part: "pool" }),
          })
        : undefined;
  }

  /** The environment a session's sandbox starts with: the languages', then its egress policy's. */
  private async startEnv(sessionId: string): Promise<Record<string, string>> {
    return { ...sandboxEnv(), ...(await this.options.egress?.startEnv(sessionId)) };
  }

  private baseEnv(): Record<string, string> {
    return { ...sandboxEnv(), ...this.options.egress?.baseEnv() };
  }

  /** Starts keeping warm sandboxes ready (after reconcile, which would remove them). */
  startPool(): void {
    this.pool?.start(this.baseEnv());
  }

  /**
   * Keeps `count` warm sandboxes ready for forks of `sessionId` (a class about to join) for
   * `minutes`; bounded by the pool's maximum. Returns how many it will keep, 0 without a pool.
   */
  async prepareForks(sessionId: string, count: number, minutes: number): Promise<number> {
    if (!this.pool) return 0;
    const [row] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
    const kept = Math.min(count, this.options.pool?.max ?? 0);
    // Filled ahead with the session's files as they are then: a fork whose source has not
    // changed since only claims one (see forkWarm).
    this.pool.want(
      forksPurpose(sessionId),
      this.forkKind(sessionId, row?.layerKey ?? null),
      kept,
      Date.now() + minutes * 60_000,
      (warm) => this.prefill(sessionId, warm),
    );
    return kept;
  }

  /** Warm sandboxes filled ahead for forks of a session. */
  private forkKind(sessionId: string, layerKey: string | null): Kind {
    return { layerKey, env: this.baseEnv(), fill: sessionId };
  }

  /**
   * Fills a warm sandbox with a session's files (one archive serves the sandboxes started within
   * a few seconds) and tells their fingerprint.
   */
  private async prefill(sessionId: string, warm: WarmSandbox): Promise<string> {
    // Archives past their reuse are dropped, whichever session they were of: at most a few are held.
    for (const [id, entry] of this.prefills) if (Date.now() - entry.at > PREFILL_REUSE_MS) this.prefills.delete(id);
    let cached = this.prefills.get(sessionId);
    if (!cached) {
      // Under the session's lock, and only while its class still wants sandboxes: a session
      // deleted meanwhile (destroy holds the lock) is never started again for it.
      const archive = await this.lock.run(sessionId, async () => {
        if (!this.pool?.stillWanted(forksPurpose(sessionId)))
          throw new Error(`sandboxes for forks of ${sessionId} are no longer wanted`);
        return this.archiveForForks(sessionId);
      });
      cached = { at: Date.now(), archive, tag: fingerprint(archive) };
      this.prefills.set(sessionId, cached);
    }
    await warm.agent.archiveIn(Readable.from([cached.archive]), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
    return cached.tag;
  }

  /** How many warm sandboxes were asked for, for forks of `sessionId`, and are still kept (0 when none). */
  wantedForks(sessionId: string): number {
    return this.pool?.wanted(forksPurpose(sessionId)) ?? 0;
  }

  /** How many warm sandboxes are ready for forks of `sessionId` now. */
  async readyForks(sessionId: string): Promise<number> {
    if (!this.pool) return 0;
    const [row] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
    return this.pool.readyCount(this.forkKind(sessionId, row?.layerKey ?? null));
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
    if (current?.agent.isOpen && this.leaseFresh(sessionId)) {
      current.lastActive = Date.now();
      return current;
    }
    return this.lock.run(sessionId, async () => {
      const again = this.live.get(sessionId);
      if (again?.agent.isOpen) {
        if (this.leaseFresh(sessionId)) return again;
        // Its renewals did not come through in time: the database says whether it is still ours.
        await this.takeLease(sessionId);
        const kept = this.peek(sessionId);
        if (kept) return kept;
      }
      return this.wake(sessionId);
    });
  }

  /** Whether this node may run the session's sandbox without asking the database (always, without leases). */
  private leaseFresh(sessionId: string): boolean {
    return !this.options.leases || this.options.leases.fresh(sessionId);
  }

  /**
   * Takes the session's lease for this node, or throws SessionElsewhereError when another node
   * holds it (stopping a sandbox of it here, which is no longer this node's to run). Taken over
   * from another node, the session's files here are older than what that node saw: they go, and
   * the sandbox starts from the latest snapshot. Called under the session's lock.
   */
  private async takeLease(sessionId: string): Promise<void> {
    const { leases } = this.options;
    if (!leases) return;
    let taken: TakenLease;
    try {
      taken = await leases.take(sessionId);
    } catch (error) {
      if (isSessionElsewhere(error) && this.live.has(sessionId)) await this.stop(sessionId);
      throw error;
    }
    const { previous, moved } = taken;
    if (!previous) return;
    // Its node did not let it go: what it did there since its latest snapshot is lost, and the API says so.
    if (moved === "lapsed") await this.recordRecovery(sessionId, previous);
    if (this.live.has(sessionId)) await this.stop(sessionId);
    if (this.workspaces.exists(sessionId)) {
      this.log.info({ sessionId, from: previous }, "dropping this node's older copy of a session another node ran since");
      await this.workspaces.remove(sessionId);
    }
  }

  /** Lets other nodes take the session, once its files are in the object store (or gone). */
  private async releaseLease(sessionId: string): Promise<void> {
    await this.options.leases?.release(sessionId);
  }

  /**
   * Renews this node's session leases (on each node heartbeat); sandboxes of sessions another
   * node took meanwhile are stopped here.
   */
  async renewLeases(): Promise<void> {
    const lost = (await this.options.leases?.renew()) ?? [];
    for (const sessionId of lost) {
      await this.lock.run(sessionId, async () => {
        // Taken again under the lock meanwhile (a request woke it here after all): it stays.
        if (this.options.leases?.fresh(sessionId)) return;
        if (this.live.has(sessionId)) this.log.warn({ sessionId }, "stopping a sandbox whose session another node took");
        await this.stop(sessionId);
      });
    }
  }

  /**
   * Lets go of the leases that keep nothing here (sessions without files on this node), at a
   * clean shutdown. Sessions whose files are here stay leased: a restart takes them up again, and
   * if this node does not come back, their leases lapse and another node wakes them from their snapshots.
   */
  async releaseLeases(): Promise<void> {
    const { leases } = this.options;
    if (!leases) return;
    for (const sessionId of leases.sessions) {
      if (!this.workspaces.exists(sessionId)) await leases.release(sessionId);
    }
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
    return (await this.summary(sessionId)).state;
  }

  /** The sandbox's state, its latest snapshot's time, and whether it came back from a lost node. */
  async summary(sessionId: string): Promise<SandboxSummary> {
    const [row] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
    const state: SandboxState = this.peek(sessionId)
      ? "running"
      : row?.state === "hibernated" || (row && this.workspaces.exists(sessionId))
        ? "hibernated"
        : "none";
    const recovered =
      row?.recoveredAt && row.recoveredFrom
        ? { at: row.recoveredAt, snapshotAt: row.recoveredSnapshotAt, fromNode: row.recoveredFrom }
        : null;
    return { state, snapshotAt: row?.snapshotAt ?? null, recovered };
  }

  /**
   * Notes on the session's row that it was taken over from `from`, which did not let it go, and
   * the time of the snapshot it wakes from (its files as of then). Called under the session's lock.
   */
  private async recordRecovery(sessionId: string, from: string): Promise<void> {
    const [row] = await this.options.db
      .update(sandboxes)
      .set({ recoveredAt: new Date(), recoveredSnapshotAt: sql`${sandboxes.snapshotAt}`, recoveredFrom: from })
      .where(eq(sandboxes.sessionId, sessionId))
      .returning({ snapshotAt: sandboxes.snapshotAt });
    this.log.warn(
      { sessionId, from, snapshotAt: row?.snapshotAt ?? null },
      "session taken over from a node that stopped renewing its lease; it wakes from its latest snapshot",
    );
  }

  /** Starts the session's sandbox on this node once its lease is this node's. */
  private async wake(sessionId: string): Promise<LiveSandbox> {
    await this.takeLease(sessionId);
    try {
      return await this.start(sessionId);
    } catch (error) {
      // Nothing of the session is here to keep it for: another node may try.
      if (!this.workspaces.exists(sessionId)) {
        await this.releaseLease(sessionId).catch((failure: unknown) =>
          this.log.warn({ sessionId, err: failure }, "could not release the lease of a sandbox that did not start"),
        );
      }
      throw error;
    }
  }

  private async start(sessionId: string): Promise<LiveSandbox> {
    const started = Date.now();
    const { db, driver, store } = this.options;
    const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));

    // A container left over for this session (killed, or from an older agent) is replaced; a
    // session never started has none (reconcile removed any a crash left at start-up).
    if (row) await this.removeContainers(sessionId, row.containerId);
    else await this.workspaces.release(sessionId);
    // A workspace with no row is a copy whose fork was cut short (its row comes after its image
    // got its name) or a start cut short: either way its sensitive files go before anything runs.
    const unrecorded = !row && this.workspaces.exists(sessionId);
    const layerKey = row?.layerKey ?? undefined;
    const layerDir = layerKey && this.options.layers ? await this.options.layers.ensure(layerKey) : undefined;
    // No network at run time: Go resolves modules from the layer's cache only, unless egress lets it out.
    const env = await this.startEnv(sessionId);
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
    // A session without a workspace here takes a warm sandbox when one of its kind is ready: its
    // empty slot becomes the workspace, filled from the snapshot first when there is one.
    const kind = { layerKey: layerKey ?? null, env };
    const warm = workspaces.exists(sessionId) ? undefined : this.pool?.take(kind);
    // A setup that just needed a sandbox is likely to need another soon (sessions made from the
    // same setup, woken in turn): one of its kind is kept ready for a while.
    if (!warm && !workspaces.exists(sessionId) && kind.layerKey) {
      this.pool?.want(`recent:${kind.layerKey}:${JSON.stringify(env)}`, kind, 1, Date.now() + RECENT_SETUP_MS);
    }
    if (warm) {
      try {
        if (snapshotKey) await warm.agent.archiveIn(await store.get(snapshotKey), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
        await workspaces.claimSlot(warm.slot, sessionId);
        sandbox = { containerId: warm.containerId, agent: warm.agent };
      } catch (error) {
        await this.pool?.discard(warm);
        throw error;
      }
    }
    if (!sandbox && !workspaces.exists(sessionId) && snapshotKey) {
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
        // Set by the callback above (which the compiler does not follow).
        const begun = sandbox as OpenSandbox | undefined;
        if (begun) {
          begun.agent.close();
          await driver.remove(begun.containerId);
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
      if (row?.scrubPending || unrecorded) await this.scrubWorkspace(agent);
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
      { sessionId, containerId, ms: Date.now() - started, restored: Boolean(snapshotKey), layer: layerKey, warm: Boolean(warm) },
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
  /**
   * The shell started ahead is still in the slot's blank volume: it changes into /workspace, now
   * the fork's, so the session's first command does not wait for a new shell. One that does not
   * answer is replaced.
   */
  private async enterForkWorkspace(agent: AgentClient): Promise<void> {
    const entered = await agent
      .request("shell.exec", { shell: WARM_SHELL, command: "cd -- /workspace", timeoutMs: 10_000, outputLimit: 1_024 })
      .then((result) => result.exitCode === 0)
      .catch(() => false);
    if (entered) return;
    await agent.request("shell.delete", { shell: WARM_SHELL }).catch(() => undefined);
    void agent.request("shell.create", { shell: WARM_SHELL }).catch(() => undefined);
  }

  private async scrubWorkspace(agent: AgentClient, root = "/workspace"): Promise<void> {
    const result = await agent.request("run", {
      runId: `scrub-${randomBytes(4).toString("hex")}`,
      argv: scrubCommand(root),
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
      const [other] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, otherId));
      const layerKey = other?.layerKey ?? null;
      // A fork that came up in a warm sandbox already: kept when its layer is that one, else
      // stopped (its files stay) so that its next start mounts the other layer.
      if (this.live.has(sessionId)) {
        const [own] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
        if ((own?.layerKey ?? null) === layerKey) return;
        await this.stop(sessionId);
        await this.options.db
          .update(sandboxes)
          .set({ state: "new", containerId: null, layerKey, seededLayerKey: null, updatedAt: new Date() })
          .where(eq(sandboxes.sessionId, sessionId));
        return;
      }
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
      // A fork that came up in a warm sandbox with this layer mounted already keeps running.
      const [row] = await this.options.db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      if (row?.layerKey === layerKey && this.live.has(sessionId)) return;
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
        await this.workspaces.release(sessionId);
      }
    });
  }

  /** Calls `listener` with each sandbox that comes up (started, woken or adopted) from now on. */
  onLive(listener: (sandbox: LiveSandbox) => void): void {
    this.liveListeners.push(listener);
  }

  private track(sessionId: string, containerId: string, agent: AgentClient): LiveSandbox {
    const now = Date.now();
    // Up as its snapshot (or its files here) left it: due for a snapshot only once used.
    const sandbox: LiveSandbox = { sessionId, containerId, agent, lastActive: now, busy: 0, snapshotActivity: now };
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
      // Files another node has run on since are not snapshotted over its newer ones.
      if (this.workspaces.exists(sessionId) && !this.leaseFresh(sessionId)) await this.takeLease(sessionId);
      if (!this.workspaces.exists(sessionId)) {
        await this.stop(sessionId);
        await this.releaseLease(sessionId);
        return;
      }
      // The snapshot is made inside the sandbox: a workspace whose container is gone is started for it.
      const sandbox = this.peek(sessionId) ?? (await this.wake(sessionId));
      const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      const key = snapshotKeyOf(sessionId);
      const started = Date.now();
      await store.put(key, sandbox.agent.archiveOut({ timeoutMs: SNAPSHOT_TIMEOUT_MS }));
      const bytes = (await store.head(key)) ?? 0;
      await this.stop(sessionId);
      const now = new Date();
      const saved = { snapshotKey: key, snapshotBytes: bytes, snapshotAt: new Date(started) };
      await db
        .insert(sandboxes)
        .values({ sessionId, state: "hibernated", containerId: null, ...saved, updatedAt: now })
        .onConflictDoUpdate({
          target: sandboxes.sessionId,
          set: { state: "hibernated", containerId: null, ...saved, updatedAt: now },
        });
      if (row?.snapshotKey && row.snapshotKey !== key) await store.delete(row.snapshotKey);
      await this.workspaces.remove(sessionId);
      await this.releaseLease(sessionId);
      this.log.info({ sessionId, key, bytes, ms: Date.now() - started }, "sandbox hibernated");
    });
  }

  /** Removes the session's sandbox containers; its workspace stays. */
  private async stop(sessionId: string): Promise<void> {
    const sandbox = this.live.get(sessionId);
    if (sandbox) {
      this.live.delete(sessionId);
      sandbox.agent.close();
    }
    await this.removeContainers(sessionId, sandbox?.containerId);
  }

  /**
   * Removes the containers of a session: those labelled with it, and the one it runs in (a warm
   * sandbox it took is labelled with the pool's slot, not with the session).
   */
  private async removeContainers(sessionId: string, containerId?: string | null): Promise<void> {
    const { driver } = this.options;
    if (containerId && !this.pool?.holds(containerId)) await driver.remove(containerId);
    for (const container of await driver.list()) {
      if (container.sessionId === sessionId && container.role === "sandbox") await driver.remove(container.id);
    }
    // A fork made in a warm sandbox left mounts beneath that sandbox's slot: with it gone, they go.
    await this.workspaces.release(sessionId);
  }

  /**
   * Gives `to` a copy of `from`'s workspace as it is now (sensitive files left out) and the same
   * layer. A live or local workspace is copied on this host without the host reading its files
   * (see Workspaces.copy), under the source's lock so that it is not mounted or removed meanwhile;
   * the copy's sensitive files go on its first start. From a hibernated one, the snapshot object
   * (which has none) is copied in the store.
   */
  async forkWorkspace(from: string, to: string): Promise<void> {
    this.deleted.delete(to);
    // Forks of one source asked for while an earlier copy holds its lock wait together, and are
    // then copied together: one flush and one freeze for a whole class joining at once.
    let batch = this.forkBatches.get(from);
    if (!batch) {
      const fresh: ForkBatch = { targets: [], tellers: [], done: Promise.resolve([]) };
      // The lock runs work on a later tick at the earliest, so every target pushed until then is in.
      fresh.done = this.lock.run(from, () => {
        if (this.forkBatches.get(from) === fresh) this.forkBatches.delete(from);
        return this.copyWorkspaces(from, fresh.targets, (to, outcome) => fresh.tellers[fresh.targets.indexOf(to)]?.(outcome));
      });
      this.forkBatches.set(from, fresh);
      batch = fresh;
    }
    const current = batch;
    const index = current.targets.push(to) - 1;
    // A fork is told its outcome as soon as its own copy is done (one that started in a warm
    // sandbox runs while the rest of its class is still being copied), else when the batch ends.
    const told = new Promise<PromiseSettledResult<void>>((resolve) => (current.tellers[index] = resolve));
    const outcome = await Promise.race([told, current.done.then((outcomes) => outcomes[index])]);
    if (outcome?.status === "rejected") throw outcome.reason;
  }

  private async copyWorkspaces(
    from: string,
    targets: string[],
    tell: (to: string, outcome: PromiseSettledResult<void>) => void,
  ): Promise<PromiseSettledResult<void>[]> {
    const { db } = this.options;
    // Files of the source here are copied only while they are the latest (this node holds its lease).
    if (this.workspaces.exists(from) && !this.leaseFresh(from)) await this.takeLease(from);
    const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, from));
    // A class got ready (warm sandboxes filled ahead with the source's files): those are claimed.
    // The others go into the warm sandboxes ready now: at block level where this host has the
    // source's volume, else by archive; the rest are copied below and start on first use.
    const prepared = (this.pool?.readyCount(this.forkKind(from, row?.layerKey ?? null)) ?? 0) > 0;
    const claimed = prepared ? await this.forkWarm(from, row, targets, tell) : new Map<string, PromiseSettledResult<void>>();
    const left = targets.filter((to) => !claimed.has(to));
    const byBlocks = this.workspaces.forkIntoSlot !== undefined && this.workspaces.exists(from);
    const more = byBlocks ? await this.forkWarmBlocks(from, row, left, tell) : await this.forkWarm(from, row, left, tell);
    const warm = new Map([...claimed, ...more]);
    const rest = targets.filter((to) => !warm.has(to));
    if (!this.workspaces.exists(from)) {
      const copied = await Promise.allSettled(rest.map((to) => this.copyWorkspace(to, row)));
      return targets.map((to) => warm.get(to) ?? (copied[rest.indexOf(to)] as PromiseSettledResult<void>));
    }
    const started = Date.now();
    if (rest.length === 0) return targets.map((to) => warm.get(to) as PromiseSettledResult<void>);
    await this.flushWrites(from);
    const copied = await this.workspaces.copyAll(from, rest);
    const copies = targets.map((to) => warm.get(to) ?? copied[rest.indexOf(to)]);
    return Promise.all(
      targets.map(async (to, i): Promise<PromiseSettledResult<void>> => {
        if (warm.has(to)) return warm.get(to) as PromiseSettledResult<void>;
        const copied = copies[i];
        if (copied?.status !== "fulfilled") return copied ?? { status: "rejected", reason: new Error("not copied") };
        try {
          await this.intoFork(
            to,
            async () => {
              // The copy's files are on this node alone: no other node starts it before it has a snapshot.
              await this.takeLease(to);
              await db.insert(sandboxes).values({ ...this.forkRow(to, row), state: "new", scrubPending: true });
            },
            () => this.workspaces.remove(to),
          );
          this.log.info({ from, to, ms: Date.now() - started, together: targets.length }, "workspace copied");
          return copied;
        } catch (error) {
          return { status: "rejected", reason: error };
        }
      }),
    );
  }

  /**
   * Takes a warm sandbox for each target in order until none is ready: one filled ahead for the
   * source's class when the target starts with the base environment and `usable` keeps it, else
   * one of the target's own kind.
   */
  private takeWarm(
    pool: WarmPool,
    from: string,
    layerKey: string | null,
    targets: string[],
    envs: Array<Record<string, string>>,
    usable: (warm: WarmSandbox) => boolean = () => true,
  ): Array<{ to: string; warm: WarmSandbox }> {
    const filled = this.forkKind(from, layerKey);
    const base = this.baseEnv();
    const taken: Array<{ to: string; warm: WarmSandbox }> = [];
    for (const [i, to] of targets.entries()) {
      const env = envs[i] ?? base;
      let warm = sameEnv(env, base) ? pool.take(filled, forksPurpose(from)) : undefined;
      if (warm && !usable(warm)) warm = undefined;
      warm ??= pool.take({ layerKey, env }, forksPurpose(from));
      if (!warm) break;
      taken.push({ to, warm });
    }
    return taken;
  }

  /**
   * Forks into warm sandboxes at block level, as many as are ready: the source's volume is frozen
   * once and its image copied for all of them (see Workspaces.copyAll), and each copy is mounted
   * beneath its warm sandbox's slot and made its /workspace, with no container started and no
   * file read. The copy's sensitive files are deleted inside its sandbox before it is handed out.
   * Targets it did not serve are left out of the result; a failed one is removed and reported.
   * Runs under the source's lock.
   */
  private async forkWarmBlocks(
    from: string,
    row: typeof sandboxes.$inferSelect | undefined,
    targets: string[],
    tell: (to: string, outcome: PromiseSettledResult<void>) => void,
  ): Promise<Map<string, PromiseSettledResult<void>>> {
    const served = new Map<string, PromiseSettledResult<void>>();
    const { pool, workspaces } = this;
    if (!pool || !workspaces.forkIntoSlot || targets.length === 0 || !workspaces.exists(from)) return served;
    const envs = await Promise.all(targets.map((to) => this.startEnv(to)));
    // One filled ahead for this class serves as well: what it holds stays beneath the copy.
    const taken = this.takeWarm(pool, from, row?.layerKey ?? null, targets, envs);
    if (taken.length === 0) return served;
    const started = Date.now();
    await this.flushWrites(from);
    const copied = await workspaces.copyAll(
      from,
      taken.map(({ to }) => to),
    );
    const give = async ({ to, warm }: { to: string; warm: WarmSandbox }, copy: PromiseSettledResult<void> | undefined) => {
      const undo = async (): Promise<void> => {
        await pool.discard(warm);
        await workspaces.remove(to);
      };
      if (copy?.status !== "fulfilled") {
        await pool.discard(warm);
        throw copy?.reason ?? new Error("not copied");
      }
      await this.intoFork(
        to,
        async () => {
          try {
            await this.takeLease(to);
            await workspaces.forkIntoSlot?.(warm.slot, to);
            // The copy is scrubbed where the slot shows it while it becomes /workspace.
            await Promise.all([
              this.options.driver.takeForkWorkspace(warm.containerId),
              this.scrubWorkspace(warm.agent, SLOT_FORK),
            ]);
            await this.enterForkWorkspace(warm.agent);
            await this.options.db.insert(sandboxes).values({
              ...this.forkRow(to, row),
              state: "running",
              containerId: warm.containerId,
              scrubPending: false,
              lastActiveAt: new Date(),
            });
          } catch (error) {
            await undo();
            throw error;
          }
          this.track(to, warm.containerId, warm.agent);
          await this.options.egress?.attach(to, warm.agent);
          this.log.info({ from, to, ms: Date.now() - started, together: taken.length }, "fork copied into a warm sandbox");
        },
        undo,
      );
    };
    const queue = taken.map((entry, i) => ({ entry, copy: copied[i] }));
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [outcome] = await Promise.allSettled([give(next.entry, next.copy)]);
        served.set(next.entry.to, outcome);
        tell(next.entry.to, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WARM_FORK_PARALLEL, taken.length) }, worker));
    return served;
  }

  /**
   * Forks into warm sandboxes, as many as are ready: the source's files are archived once inside
   * its sandbox (woken for it when it has a workspace here; sensitive files left out, as in a
   * snapshot), or read from its snapshot, and unpacked in each warm sandbox as the sandbox user,
   * whose slot then becomes the fork's workspace. The forks are running when this returns.
   * Targets it did not serve are left out of the result (they are copied as before); a failed
   * one is removed and reported. Runs under the source's lock.
   */
  private async forkWarm(
    from: string,
    row: typeof sandboxes.$inferSelect | undefined,
    targets: string[],
    tell: (to: string, outcome: PromiseSettledResult<void>) => void,
  ): Promise<Map<string, PromiseSettledResult<void>>> {
    const served = new Map<string, PromiseSettledResult<void>>();
    const { pool } = this;
    const local = this.workspaces.exists(from);
    if (!pool || (!local && !row?.snapshotKey)) return served;
    const layerKey = row?.layerKey ?? null;
    const filled = this.forkKind(from, layerKey);
    const envs = await Promise.all(targets.map((to) => this.startEnv(to)));
    const sameAsBase = (env: Record<string, string>): boolean => sameEnv(env, this.baseEnv());
    const anyReady = envs.some(
      (env) => pool.readyCount({ layerKey, env }) > 0 || (sameAsBase(env) && pool.readyCount(filled) > 0),
    );
    if (!anyReady) return served;
    let archive: Buffer;
    try {
      archive = await this.forkArchive(from, local, row);
    } catch (error) {
      // Too big, or the source did not answer: these forks are copied as before after all.
      this.log.info({ from, err: error }, "forking by copy instead of into warm sandboxes");
      return served;
    }
    const tag = fingerprint(archive);
    const taken = this.takeWarm(pool, from, layerKey, targets, envs, (warm) => {
      if (warm.tag === tag) return true;
      // Filled before the source changed: every one filled then is out of date.
      void pool.discard(warm);
      pool.drop(filled);
      return false;
    });
    if (taken.length === 0) return served;
    const started = Date.now();
    const fill = ({ to, warm }: { to: string; warm: WarmSandbox }): Promise<void> =>
      this.intoFork(
        to,
        () => fill1({ to, warm }),
        () => pool.discard(warm),
      );
    const fill1 = async ({ to, warm }: { to: string; warm: WarmSandbox }): Promise<void> => {
      try {
        await this.takeLease(to);
        // One filled ahead with these very files is only claimed.
        if (warm.tag !== tag) await warm.agent.archiveIn(Readable.from([archive]), { timeoutMs: SNAPSHOT_TIMEOUT_MS });
        await this.workspaces.claimSlot(warm.slot, to);
      } catch (error) {
        await pool.discard(warm);
        throw error;
      }
      const now = new Date();
      try {
        await this.options.db.insert(sandboxes).values({
          ...this.forkRow(to, row),
          state: "running",
          containerId: warm.containerId,
          scrubPending: false,
          lastActiveAt: now,
        });
      } catch (error) {
        warm.agent.close();
        await this.options.driver.remove(warm.containerId);
        await this.workspaces.remove(to);
        throw error;
      }
      this.track(to, warm.containerId, warm.agent);
      await this.options.egress?.attach(to, warm.agent);
      this.log.info({ from, to, ms: Date.now() - started, bytes: archive.length }, "fork started in a warm sandbox");
    };
    // WARM_FORK_PARALLEL at a time, each told as soon as it is done.
    const queue = [...taken];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [outcome] = await Promise.allSettled([fill(next)]);
        served.set(next.to, outcome);
        tell(next.to, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WARM_FORK_PARALLEL, taken.length) }, worker));
    return served;
  }

  /** The files a fork gets, as one archive of at most WARM_FORK_MAX_BYTES (see forkWarm). */
  private async forkArchive(from: string, local: boolean, row: typeof sandboxes.$inferSelect | undefined): Promise<Buffer> {
    if (!local) {
      if (!row?.snapshotKey || (row.snapshotBytes ?? Infinity) > WARM_FORK_MAX_BYTES) {
        throw new Error("the snapshot is too big to fork into warm sandboxes");
      }
      return collect(await this.options.store.get(row.snapshotKey));
    }
    return this.archiveForForks(from);
  }

  /**
   * The session's files as one archive of at most WARM_FORK_MAX_BYTES, made inside its sandbox
   * (woken for it). Called under the session's lock (ensure would wait for it).
   */
  private async archiveForForks(sessionId: string): Promise<Buffer> {
    const source = this.peek(sessionId) ?? (await this.wake(sessionId));
    source.busy += 1;
    try {
      return await collect(source.agent.archiveOut({ timeoutMs: SNAPSHOT_TIMEOUT_MS, maxBytes: WARM_FORK_MAX_BYTES }));
    } finally {
      source.busy -= 1;
      source.lastActive = Date.now();
    }
  }

  /**
   * Makes a fork's copy its session's, under that session's lock: a session deleted while its fork
   * was being copied gets nothing (`undo` removes what was made), so no sandbox or files are left
   * under an id that a later session could be given.
   */
  private async intoFork(to: string, work: () => Promise<void>, undo: () => Promise<void>): Promise<void> {
    await this.lock.run(to, async () => {
      if (this.deleted.has(to)) {
        await undo();
        throw new SandboxUnavailableError(`session ${to} was deleted while it was being forked`);
      }
      await work();
    });
  }

  private forkRow(to: string, row: typeof sandboxes.$inferSelect | undefined) {
    return { sessionId: to, layerKey: row?.layerKey ?? null, seededLayerKey: row?.seededLayerKey ?? null, updatedAt: new Date() };
  }

  /** A fork of a source without a workspace on this host: its snapshot, or nothing yet. */
  private async copyWorkspace(to: string, row: typeof sandboxes.$inferSelect | undefined): Promise<void> {
    const { db, store } = this.options;
    const base = this.forkRow(to, row);
    if (row?.snapshotKey) {
      const key = snapshotKeyOf(to);
      await store.put(key, await store.get(row.snapshotKey));
      await db.insert(sandboxes).values({
        ...base,
        state: "hibernated",
        snapshotKey: key,
        snapshotBytes: row.snapshotBytes,
        snapshotAt: row.snapshotAt,
      });
    } else {
      await db.insert(sandboxes).values({ ...base, state: "new" });
    }
  }

  /**
   * Asks a live sandbox to write what it holds in memory to its workspace before a block-level
   * copy, under a runtime that keeps file data of its own (see RuntimeChoice.writesThrough); a
   * sandbox that does not answer is copied as it is.
   */
  private async flushWrites(sessionId: string): Promise<void> {
    const sandbox = this.peek(sessionId);
    // Nothing to flush where writes reach the host at once (runc, and gVisor's shared mounts); a
    // sync there would only write every filesystem of the host out, or cost a process start.
    if (!sandbox || (await this.options.driver.writesThrough())) return;
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
      const { db, store } = this.options;
      // A session another node runs is destroyed there (this throws, naming it).
      await this.takeLease(sessionId);
      // Its class's warm sandboxes (filled with its files) go with it.
      this.pool?.forget(forksPurpose(sessionId));
      this.prefills.delete(sessionId);
      const sandbox = this.live.get(sessionId);
      this.live.delete(sessionId);
      sandbox?.agent.close();
      const [row] = await db.select().from(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      await this.removeContainers(sessionId, sandbox?.containerId ?? row?.containerId);
      for (const object of await store.list(`snapshots/${sessionId}/`)) await store.delete(object.key);
      await db.delete(sandboxes).where(eq(sandboxes.sessionId, sessionId));
      await this.workspaces.remove(sessionId);
      await this.options.leases?.forget(sessionId);
      // A fork into this id still under way finds it deleted (see intoFork).
      const now = Date.now();
      for (const [id, at] of this.deleted) if (now - at > DELETED_KEPT_MS) this.deleted.delete(id);
      this.deleted.set(sessionId, now);
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
    // A warm sandbox a session took is labelled with its pool slot: its session is the row that names it.
    const byContainer = new Map([...rows.values()].filter((row) => row.containerId).map((row) => [row.containerId, row]));
    for (const container of await driver.list()) {
      if (container.role !== "sandbox" && container.role !== "pool") continue;
      if (this.pool?.holds(container.id)) continue;
      const row = container.role === "pool" ? byContainer.get(container.id) : rows.get(container.sessionId);
      const sessionId = row?.sessionId ?? container.sessionId;
      if (this.peek(sessionId)?.containerId === container.id) continue;
      if (row?.state === "running" && row.containerId === container.id && container.running) {
        try {
          await this.takeLease(sessionId);
          const agent = await adoptSandbox(driver, container.id);
          this.track(sessionId, container.id, agent);
          await this.options.egress?.attach(sessionId, agent);
          adopted.push(sessionId);
          continue;
        } catch (error) {
          this.log.warn({ sessionId, err: error }, "could not adopt sandbox; removing it");
        }
      }
      await driver.remove(container.id);
      removed.push(sessionId);
    }
    // Only now, with no stray container writing there, what interrupted work left is cleared.
    await this.workspaces.recover();
    await this.options.layers?.recover();
    // Sandboxes of this host recorded as running whose container is gone (the engine restarted, or
    // the server died while hibernating one): their files are here, and wake from them.
    const gone: string[] = [];
    for (const row of rows.values()) {
      if (row.state !== "running" || adopted.includes(row.sessionId) || !this.workspaces.exists(row.sessionId)) continue;
      // Their files are kept for this node alone; a session another node holds now is that node's.
      try {
        await this.takeLease(row.sessionId);
      } catch (error) {
        if (isSessionElsewhere(error)) continue;
        throw error;
      }
      if (this.workspaces.exists(row.sessionId)) gone.push(row.sessionId);
    }
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

  /** Starts snapshotting used sandboxes in the background every snapshotIntervalMs (nothing when 0 or unset). */
  startSnapshots(): void {
    const intervalMs = this.options.snapshotIntervalMs ?? 0;
    if (this.snapshots || intervalMs <= 0) return;
    this.snapshots = new SnapshotSchedule({
      intervalMs,
      due: () => this.dueForSnapshot(),
      snapshot: (sessionId) => this.snapshotRunning(sessionId),
      log: this.log,
    });
    this.snapshots.start();
  }

  /** Counts as use of the session's sandbox (terminal input, which reaches it without `use`). */
  touch(sessionId: string): void {
    const sandbox = this.peek(sessionId);
    if (sandbox) sandbox.lastActive = Date.now();
  }

  /** Running sandboxes used since their latest snapshot (or busy now), the longest unsaved first. */
  dueForSnapshot(): string[] {
    return [...this.live.values()]
      .filter((sandbox) => sandbox.agent.isOpen && (sandbox.busy > 0 || sandbox.lastActive > sandbox.snapshotActivity))
      .sort((a, b) => a.snapshotActivity - b.snapshotActivity)
      .map((sandbox) => sandbox.sessionId);
  }

  /**
   * Snapshots a running sandbox while it keeps running: archived inside the sandbox by its agent,
   * as at hibernation, and uploaded as a new object. The session's lock is held only to look and
   * to record (never during the archive), so runs and requests go on meanwhile; the new key is
   * recorded only after its upload completed and only if the row still names the snapshot this one
   * replaces (a hibernation, a wake elsewhere or a deletion meanwhile wins), then the older object
   * goes. Only while this node holds the session's lease. Undefined when there was nothing to save.
   */
  async snapshotRunning(sessionId: string): Promise<BackgroundSnapshot | undefined> {
    const { db, store } = this.options;
    let lockMs = 0;
    const locked = <T>(work: () => Promise<T>): Promise<T> =>
      this.lock.run(sessionId, async () => {
        const entered = performance.now();
        try {
          return await work();
        } finally {
          lockMs += performance.now() - entered;
        }
      });
    const begun = await locked(async () => {
      const sandbox = this.peek(sessionId);
      if (!sandbox || !this.leaseFresh(sessionId)) return undefined;
      const [row] = await db
        .select({ snapshotKey: sandboxes.snapshotKey })
        .from(sandboxes)
        .where(eq(sandboxes.sessionId, sessionId));
      if (!row) return undefined;
      // Busy: the idle sweeper leaves it running until its files are read.
      sandbox.busy += 1;
      return { sandbox, replaces: row.snapshotKey, activity: sandbox.lastActive };
    });
    if (!begun) return undefined;
    const { sandbox, replaces, activity } = begun;
    const key = snapshotKeyOf(sessionId);
    const at = new Date();
    let bytes = 0;
    let recorded = false;
    try {
      await store.put(key, sandbox.agent.archiveOut({ timeoutMs: SNAPSHOT_TIMEOUT_MS }));
      bytes = (await store.head(key)) ?? 0;
      recorded = await locked(async () => {
        if (this.live.get(sessionId) !== sandbox || !this.leaseFresh(sessionId)) return false;
        const saved = await db
          .update(sandboxes)
          .set({ snapshotKey: key, snapshotBytes: bytes, snapshotAt: at, updatedAt: new Date() })
          .where(
            and(
              eq(sandboxes.sessionId, sessionId),
              eq(sandboxes.state, "running"),
              replaces === null ? isNull(sandboxes.snapshotKey) : eq(sandboxes.snapshotKey, replaces),
            ),
          )
          .returning({ sessionId: sandboxes.sessionId });
        return saved.length > 0;
      });
    } finally {
      sandbox.busy -= 1;
      if (!recorded)
        await store
          .delete(key)
          .catch((error: unknown) => this.log.warn({ sessionId, key, err: error }, "could not delete an unused snapshot"));
    }
    if (!recorded) return undefined;
    sandbox.snapshotActivity = activity;
    if (replaces) {
      await store
        .delete(replaces)
        .catch((error: unknown) =>
          this.log.warn({ sessionId, key: replaces, err: error }, "could not delete a replaced snapshot"),
        );
    }
    const done = { sessionId, key, bytes, at, ms: Date.now() - at.getTime(), lockMs: Math.round(lockMs * 10) / 10 };
    this.log.info(done, "sandbox snapshotted in the background");
    return done;
  }

  /** Stops the sweeper and closes agent connections; containers keep running for the next start. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const snapshots = this.snapshots?.stop();
    // Warm sandboxes serve no session: they go (a restart would remove them anyway).
    await this.pool?.close();
    for (const sandbox of this.live.values()) sandbox.agent.close();
    this.live.clear();
    // A snapshot under way ends with its sandbox's connection; its object is removed, its row left as it was.
    await snapshots;
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

/** A new key for a snapshot of the session's workspace. */
const snapshotKeyOf = (sessionId: string): string =>
  `snapshots/${sessionId}/${Date.now()}-${randomBytes(4).toString("hex")}.tar.gz`;

/** The pool purpose of the warm sandboxes kept for forks of a session (a class about to join). */
const forksPurpose = (sessionId: string): string => `forks:${sessionId}`;

/** Whether two environments hold the same variables with the same values. */
const sameEnv = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const sorted = (env: Record<string, string>): string =>
    JSON.stringify(Object.entries(env).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return sorted(a) === sorted(b);
};

/**
 * What files an archive holds, as a fingerprint: tar lists the same files the same way, and gzip
 * reading a pipe writes no time, so two archives of unchanged files are the same bytes.
 */
function fingerprint(archive: Buffer): string {
  return createHash("sha256").update(archive).digest("hex");
}

/** A stream read whole into memory (the caller bounds its size). */
async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
