import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read when Prometheus scrapes: the services' own state, asked at that moment. */
export interface MetricsSources {
  nodeId: string;
  /** Sessions in the database by the state of their sandbox (every node's). */
  sessionsByState(): Promise<Record<SessionState, number>>;
  /** Sandboxes this process holds open now. */
  sandboxes(): number;
  /** Setups waiting for a place in this process's queue, and setups running. */
  setupQueue(): { waiting: number; running: number };
  /** Sandboxes this node offers to hold (SANDPIT_MAX_SANDBOXES). */
  capacity: number;
  /** The warm pool: sandboxes ready now, and how many sessions took one or found none since start. */
  pool(): { ready: number; taken: number; missed: number } | undefined;
}

export const SESSION_STATES = ["new", "running", "hibernated"] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Why a session's lease came to this node from another, as the lease moves counter labels it. */
export const LEASE_MOVE_REASONS = ["released", "lapsed"] as const;
export type LeaseMoveReason = (typeof LEASE_MOVE_REASONS)[number];

/** How a run ended, as the runs counter labels it. */
export type RunOutcome = "ok" | "error" | "timeout";

/** Seconds from a run's request to its result: a warm run takes tens of ms, a cold start seconds. */
const RUN_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Sandpit's Prometheus metrics, on a registry of their own (one per set of services, so that two
 * in one process do not mix). Counters move as things happen; gauges read their sources on scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  private sources: MetricsSources | undefined;
  private readonly runs: Counter<"language" | "outcome">;
  private readonly runSeconds: Histogram<"language">;
  private readonly layerLookups: Counter<"result">;
  private readonly relays: Counter<"reason" | "outcome">;
  private readonly leaseMoves: Counter<"reason">;

  constructor() {
    // The process's own (process_*, nodejs_*), named as every Node.js dashboard expects them.
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.runs = new Counter({
      name: "sandpit_runs_total",
      help: "Runs finished on this node, by language and outcome (ok: exit code 0, error: other, timeout: killed at its limit)",
      labelNames: ["language", "outcome"],
      registers,
    });
    this.runSeconds = new Histogram({
      name: "sandpit_run_duration_seconds",
      help: "Seconds from a run's request to its result on this node, sandbox start included",
      labelNames: ["language"],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.layerLookups = new Counter({
      name: "sandpit_layer_cache_lookups_total",
      help: "Setups that found their layer already stored (hit) or had to build it (miss), on this node",
      labelNames: ["result"],
      registers,
    });
    for (const result of ["hit", "miss"]) this.layerLookups.inc({ result }, 0);
    this.relays = new Counter({
      name: "sandpit_relayed_requests_total",
      help: "Requests this node sent on to another node: to the node that runs their session (owner) or to the node with the most room for it (placement); unreachable: that node did not answer",
      labelNames: ["reason", "outcome"],
      registers,
    });
    this.leaseMoves = new Counter({
      name: "sandpit_lease_moves_total",
      help: "Sessions this node took over from another node: released (it hibernated there) or lapsed (that node stopped renewing its lease: lost, and the session woke here from its latest snapshot)",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of LEASE_MOVE_REASONS) this.leaseMoves.inc({ reason }, 0);
    const read = (): MetricsSources | undefined => this.sources;
    new Gauge({
      name: "sandpit_sessions",
      help: "Sessions in the database by the state of their sandbox (new: never started)",
      labelNames: ["state"],
      registers,
      async collect() {
        const counts = await read()?.sessionsByState();
        for (const state of SESSION_STATES) this.set({ state }, counts?.[state] ?? 0);
      },
    });
    new Gauge({
      name: "sandpit_sandboxes",
      help: "Sandboxes open on this node",
      registers,
      collect() {
        this.set(read()?.sandboxes() ?? 0);
      },
    });
    new Gauge({
      name: "sandpit_setup_queue_length",
      help: "Setups waiting for a place in this node's queue",
      registers,
      collect() {
        this.set(read()?.setupQueue().waiting ?? 0);
      },
    });
    new Gauge({
      name: "sandpit_setups_running",
      help: "Setups running on this node",
      registers,
      collect() {
        this.set(read()?.setupQueue().running ?? 0);
      },
    });
    new Gauge({
      name: "sandpit_node_capacity_sandboxes",
      help: "Sandboxes this node offers to hold (SANDPIT_MAX_SANDBOXES)",
      labelNames: ["node"],
      registers,
      collect() {
        const sources = read();
        this.reset();
        if (sources) this.set({ node: sources.nodeId }, sources.capacity);
      },
    });
    new Gauge({
      name: "sandpit_warm_sandboxes",
      help: "Sandboxes started ahead of need on this node and ready to be taken (SANDPIT_WARM_POOL, class warm-ups)",
      registers,
      collect() {
        this.set(read()?.pool()?.ready ?? 0);
      },
    });
    new Gauge({
      name: "sandpit_warm_sandbox_takes",
      help: "Sandbox starts since this node started that took a warm sandbox (taken) or found none of their kind (missed)",
      labelNames: ["result"],
      registers,
      collect() {
        const pool = read()?.pool();
        this.set({ result: "taken" }, pool?.taken ?? 0);
        this.set({ result: "missed" }, pool?.missed ?? 0);
      },
    });
  }

  /** Connects the gauges to the services, once they exist. */
  observe(sources: MetricsSources): void {
    this.sources = sources;
  }

  runFinished(run: { language: string; seconds: number; exitCode: number; timedOut: boolean }): void {
    const outcome: RunOutcome = run.timedOut ? "timeout" : run.exitCode === 0 ? "ok" : "error";
    this.runs.inc({ language: run.language, outcome });
    this.runSeconds.observe({ language: run.language }, run.seconds);
  }

  layerLookup(hit: boolean): void {
    this.layerLookups.inc({ result: hit ? "hit" : "miss" });
  }

  /** A request sent on to another node (server/nodes/relay.ts). */
  relayed(reason: "owner" | "placement", outcome: "relayed" | "unreachable"): void {
    this.relays.inc({ reason, outcome });
  }

  /** This node took a session's lease from another node (see LeaseMove in server/nodes/leases.ts). */
  leaseMoved(reason: LeaseMoveReason): void {
    this.leaseMoves.inc({ reason });
  }

  /** The text Prometheus scrapes, and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
