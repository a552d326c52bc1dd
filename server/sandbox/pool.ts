import "server-only";
import type { Logger } from "pino";
import type { Limits } from "@/server/config";
import type { AgentClient } from "./agent/client";
import { openSandbox } from "./agent/open";
import type { SandboxDriver } from "./engine/driver";
import type { Workspaces } from "./workspaces/store";

/** A sandbox started before its session is known: agent up, an empty workspace of its own. */
export interface WarmSandbox {
  containerId: string;
  agent: AgentClient;
  /** The workspace slot it mounts (see Workspaces.makeSlot). */
  slot: string;
  layerKey: string | null;
  /** How long it took to start, in ms (the refill cost). */
  startMs: number;
  /** The kind it was started as (see keyOf). */
  key: string;
  /** For a kind with `fill`: what its prepare step put in its workspace (e.g. a fingerprint of the files). */
  tag?: string;
}

export interface WarmPoolOptions {
  driver: SandboxDriver;
  workspaces: Workspaces;
  /** The host's unpacked layers (the manager's HostLayers). */
  layers?: { ensure(key: string): Promise<string> };
  image: string;
  agentDir: string;
  limits: Limits;
  caBundle?: string;
  /** Sandboxes kept ready for new sessions without a setup. */
  size: number;
  /** Most sandboxes kept ready at once, across every setup (a class warm-up included). */
  max: number;
  log: Logger;
}

/** What a sandbox is started with: sessions whose start would differ do not take it. */
export interface Kind {
  layerKey: string | null;
  env: Record<string, string>;
  /** Sandboxes whose workspace is filled ahead for one purpose (a class's template files), not empty. */
  fill?: string;
}

interface Want extends Kind {
  count: number;
  /** Until when (epoch ms) this many are kept ready; the default kind has no end. */
  until: number;
  /** Fills a fresh sandbox of a `fill` kind; its answer becomes the sandbox's tag. */
  prepare?: (sandbox: WarmSandbox) => Promise<string>;
}

export interface PoolStats {
  ready: number;
  starting: number;
  taken: number;
  missed: number;
  started: number;
  failed: number;
  /** Milliseconds the last refills took to start a sandbox, newest last (at most 50). */
  refillMs: number[];
}

/** A kind's `prepare` failed: that kind rests a while, the others are still started. */
class PrepareError extends Error {
  constructor(readonly reason: unknown) {
    super(`could not fill a warm sandbox: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/** What the sandboxes kept for new sessions without a setup are wanted for (see start). */
const DEFAULT_PURPOSE = "default";

/** The shell a session's commands use unless they name one (shells.ts' DEFAULT_SHELL). */
export const WARM_SHELL = "default";

const keyOf = (kind: Kind): string =>
  JSON.stringify([kind.layerKey, Object.entries(kind.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), kind.fill ?? null]);

/**
 * Sandboxes started ahead of need, so that a new session, a fork through a class link or a woken
 * session starts in the time it takes to claim one. They are started one at a time, so that
 * refilling never competes with the sessions being served for more than one start's worth of the
 * host; a kind nobody asks for any more is drained.
 */
export class WarmPool {
  private readonly ready = new Map<string, WarmSandbox[]>();
  private readonly wants = new Map<string, Want>();
  private readonly stats = { taken: 0, missed: 0, started: 0, failed: 0, refillMs: [] as number[] };
  private starting: string | undefined;
  private filling: Promise<void> | undefined;
  private closed = false;
  private failures = 0;
  /** Kinds whose `prepare` failed lately: not started again until then (epoch ms), and how often in a row. */
  private readonly resting = new Map<string, { until: number; failures: number }>();
  /** fill() was called while a fill was under way (see fill). */
  private asked = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: WarmPoolOptions) {}

  /** Starts keeping `size` sandboxes ready for sessions without a setup, started with `env`. */
  start(env: Record<string, string>): void {
    if (this.options.size <= 0) return;
    this.want(DEFAULT_PURPOSE, { layerKey: null, env }, this.options.size, Number.POSITIVE_INFINITY);
  }

  /**
   * Keeps `count` sandboxes of a kind ready until `until` for `purpose` (a class about to join),
   * besides what other purposes keep of the same kind. The pool's maximum bounds the whole; a
   * later call for the same purpose replaces the earlier one.
   */
  want(purpose: string, kind: Kind, count: number, until: number, prepare?: Want["prepare"]): void {
    if (this.closed) return;
    this.wants.set(purpose, { ...kind, env: { ...kind.env }, count: Math.max(0, Math.floor(count)), until, prepare });
    // What an expired want keeps ready is removed then, even if nothing else happens meanwhile.
    if (Number.isFinite(until)) setTimeout(() => this.fill(), Math.max(0, until - Date.now()) + 50).unref();
    this.fill();
  }

  /** Stops keeping sandboxes for `purpose` (its session is gone); what only it kept ready is removed. */
  forget(purpose: string): void {
    if (!this.wants.delete(purpose)) return;
    this.fill();
  }

  /** Whether `purpose` still asks for sandboxes (even when every one it asked for was taken). */
  stillWanted(purpose: string): boolean {
    const want = this.wants.get(purpose);
    return Boolean(want && want.until > Date.now());
  }

  /** The count a purpose asked for, while it lasts (0 when it never did, or it expired). */
  wanted(purpose: string): number {
    const want = this.wants.get(purpose);
    return want && want.until > Date.now() ? want.count : 0;
  }

  /**
   * A ready sandbox of the kind, now, or none (the caller starts one as before). Taken for
   * `purpose`, it counts against what that purpose asked for (a class's students, one each,
   * whichever kind they took), so the pool does not start it again.
   */
  take(kind: Kind, purpose?: string): WarmSandbox | undefined {
    const key = keyOf(kind);
    const list = this.ready.get(key);
    let sandbox = list?.shift();
    while (sandbox && !sandbox.agent.isOpen) {
      void this.discard(sandbox);
      sandbox = list?.shift();
    }
    const want = purpose ? this.wants.get(purpose) : undefined;
    if (sandbox && want && want.count > 0) want.count -= 1;
    if (sandbox) this.stats.taken += 1;
    else this.stats.missed += 1;
    this.fill();
    return sandbox;
  }

  /** Removes every ready sandbox of a kind (what they were filled with is out of date); they are started again. */
  drop(kind: Kind): void {
    for (const sandbox of this.ready.get(keyOf(kind))?.splice(0) ?? []) void this.discard(sandbox);
    this.fill();
  }

  /** Puts back a sandbox taken but not used (nothing was written to it). */
  giveBack(sandbox: WarmSandbox): void {
    if (this.closed || !sandbox.agent.isOpen || !this.targets().has(sandbox.key)) {
      void this.discard(sandbox);
      return;
    }
    this.ready.set(sandbox.key, [sandbox, ...(this.ready.get(sandbox.key) ?? [])]);
  }

  /** How many sandboxes of the kind are ready now. */
  readyCount(kind: Kind): number {
    return (this.ready.get(keyOf(kind)) ?? []).filter((s) => s.agent.isOpen).length;
  }

  /** Whether a ready container belongs to the pool, not to a session. */
  holds(containerId: string): boolean {
    return [...this.ready.values()].some((list) => list.some((s) => s.containerId === containerId));
  }

  snapshot(): PoolStats {
    const ready = [...this.ready.values()].reduce((sum, list) => sum + list.length, 0);
    return {
      ready,
      starting: this.starting ? 1 : 0,
      taken: this.stats.taken,
      missed: this.stats.missed,
      started: this.stats.started,
      failed: this.stats.failed,
      refillMs: [...this.stats.refillMs],
    };
  }

  /** Resolves once nothing is being started (tests and the bench wait for a full pool with it). */
  async settled(): Promise<void> {
    while (this.filling) await this.filling;
  }

  /** Stops refilling and removes every ready sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.filling?.catch(() => undefined);
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((sandbox) => this.discard(sandbox)));
  }

  /** How many of each kind are wanted now, by every purpose together. */
  private targets(): Map<string, { kind: Kind; count: number; prepare?: Want["prepare"] }> {
    const targets = new Map<string, { kind: Kind; count: number; prepare?: Want["prepare"] }>();
    for (const want of this.wants.values()) {
      const key = keyOf(want);
      const kind = { layerKey: want.layerKey, env: want.env, fill: want.fill };
      const target = targets.get(key) ?? { kind, count: 0, prepare: want.prepare };
      target.count += want.count;
      targets.set(key, target);
    }
    return targets;
  }

  /**
   * The kind most short of what is wanted, or none when every want is met. Expired wants go first,
   * and what they kept beyond the rest's wants is removed.
   */
  private next(now: number): (Kind & { prepare?: Want["prepare"] }) | undefined {
    for (const [purpose, want] of this.wants) if (want.until <= now) this.wants.delete(purpose);
    const targets = this.targets();
    for (const key of this.resting.keys()) if (!targets.has(key)) this.resting.delete(key);
    for (const [key, list] of this.ready) {
      const excess = list.length - (targets.get(key)?.count ?? 0);
      for (const sandbox of excess > 0 ? list.splice(list.length - excess) : []) void this.discard(sandbox);
    }
    const total = [...this.ready.values()].reduce((sum, list) => sum + list.length, 0);
    if (total >= this.options.max) return undefined;
    // The sandboxes for new sessions come first: classes asking for more than the pool holds
    // (one owner's, or several) never leave the node's new sessions without one.
    const base = this.wants.get(DEFAULT_PURPOSE);
    const baseTarget = base ? targets.get(keyOf(base)) : undefined;
    if (base && baseTarget && baseTarget.count > (this.ready.get(keyOf(base))?.length ?? 0)) {
      return { ...baseTarget.kind, prepare: baseTarget.prepare };
    }
    let best: (Kind & { prepare?: Want["prepare"] }) | undefined;
    let shortBy = 0;
    for (const [key, target] of targets) {
      if ((this.resting.get(key)?.until ?? 0) > now) continue;
      const short = target.count - (this.ready.get(key)?.length ?? 0);
      if (short > shortBy) {
        best = { ...target.kind, prepare: target.prepare };
        shortBy = short;
      }
    }
    return best;
  }

  private fill(): void {
    // Asked for while a fill is ending: that fill may have looked before this want came.
    this.asked = true;
    if (this.filling || this.closed || this.retry) return;
    this.asked = false;
    this.filling = (async () => {
      for (let want = this.next(Date.now()); want && !this.closed; want = this.next(Date.now())) {
        try {
          const sandbox = await this.startOne(want);
          if (this.closed || !this.targets().has(keyOf(want))) {
            await this.discard(sandbox);
            continue;
          }
          const key = keyOf(want);
          this.ready.set(key, [...(this.ready.get(key) ?? []), sandbox]);
          sandbox.agent.onClosed(() => {
            const list = this.ready.get(key);
            const at = list?.indexOf(sandbox) ?? -1;
            if (list && at >= 0) {
              list.splice(at, 1);
              void this.discard(sandbox);
            }
          });
          this.failures = 0;
          this.resting.delete(key);
        } catch (error) {
          this.stats.failed += 1;
          if (error instanceof PrepareError) {
            // What one purpose fills its sandboxes with failed (its files are too big, its session
            // is gone): that kind waits, the rest of the pool does not.
            const key = keyOf(want);
            const failures = (this.resting.get(key)?.failures ?? 0) + 1;
            const delay = Math.min(300_000, 1_000 * 2 ** Math.min(failures, 8));
            this.resting.set(key, { until: Date.now() + delay, failures });
            this.options.log.warn({ err: error.reason, retryInMs: delay }, "could not fill a warm sandbox");
            setTimeout(() => this.fill(), delay + 50).unref();
            continue;
          }
          this.failures += 1;
          // An engine that cannot start sandboxes now is tried again later, not in a tight loop.
          const delay = Math.min(60_000, 1_000 * 2 ** Math.min(this.failures, 6));
          this.options.log.warn({ err: error, retryInMs: delay }, "could not start a warm sandbox");
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.fill();
          }, delay);
          this.retry.unref();
          return;
        }
      }
    })().finally(() => {
      this.filling = undefined;
      if (this.asked) this.fill();
    });
  }

  private async startOne(kind: Kind & { prepare?: Want["prepare"] }): Promise<WarmSandbox> {
    const { driver, workspaces, layers } = this.options;
    const started = Date.now();
    const layerDir = kind.layerKey && layers ? await layers.ensure(kind.layerKey) : undefined;
    const slot = await workspaces.makeSlot();
    this.starting = slot.name;
    try {
      const { containerId, agent } = await openSandbox(
        driver,
        {
          sessionId: slot.name,
          role: "pool",
          image: this.options.image,
          workspaceDir: slot.dir,
          slotHolder: slot.holder,
          agentDir: this.options.agentDir,
          layerDir,
          limits: this.options.limits,
          network: false,
          caBundle: this.options.caBundle,
          env: kind.env,
        },
        this.options.log,
      );
      const sandbox: WarmSandbox = { containerId, agent, slot: slot.name, layerKey: kind.layerKey, startMs: 0, key: keyOf(kind) };
      // The default shell (shells.ts' DEFAULT_SHELL) is started too: a session's first command
      // does not wait for bash to start. A sandbox that cannot start it is still of use.
      await agent.request("shell.create", { shell: WARM_SHELL }).catch(() => undefined);
      if (kind.prepare) {
        try {
          sandbox.tag = await kind.prepare(sandbox);
        } catch (error) {
          agent.close();
          await driver.remove(containerId).catch(() => undefined);
          throw new PrepareError(error);
        }
      }
      sandbox.startMs = Date.now() - started;
      this.stats.started += 1;
      this.stats.refillMs = [...this.stats.refillMs.slice(-49), sandbox.startMs];
      return sandbox;
    } catch (error) {
      await workspaces.removeSlot(slot.name).catch(() => undefined);
      throw error;
    } finally {
      this.starting = undefined;
    }
  }

  /** Removes a sandbox that no session took, and its slot. */
  async discard(sandbox: WarmSandbox): Promise<void> {
    sandbox.agent.close();
    await this.options.driver.remove(sandbox.containerId).catch(() => undefined);
    await this.options.workspaces.removeSlot(sandbox.slot).catch(() => undefined);
  }
}
