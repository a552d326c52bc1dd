import "server-only";
import { and, desc, eq, ne, not, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { NodeView } from "@/lib/api/responses";
import type { Database } from "@/server/db/client";
import { nodes } from "@/server/db/schema";

export type { NodeView } from "@/lib/api/responses";

/** Heartbeats a node may miss before it counts as lost. */
export const MISSED_HEARTBEATS = 3;

/** Whether a node counts as alive: not stopped, and its last heartbeat younger than MISSED_HEARTBEATS intervals. */
const alive = sql<boolean>`(${nodes.stoppedAt} is null and ${nodes.heartbeatAt} > now() - ${nodes.heartbeatMs} * ${MISSED_HEARTBEATS} * interval '1 millisecond')`;

/** The nodes other than `self` that do not count as alive: lost, or stopped and not started again. */
export async function goneNodes(db: Database, self: string): Promise<string[]> {
  const rows = await db
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(ne(nodes.id, self), not(alive)));
  return rows.map((row) => row.id);
}

export interface NodeRegistryOptions {
  db: Database;
  id: string;
  address: string;
  capacity: number;
  heartbeatMs: number;
  /** Sandboxes open on this node now, written with each heartbeat. */
  sandboxes: () => number;
  log: Logger;
}

/**
 * This process as a node in the database: it registers at start, writes a heartbeat with its load
 * every interval, and marks itself stopped when it shuts down cleanly. Times are the database's
 * (now()), so that nodes whose clocks differ still judge each other alike.
 */
export class NodeRegistry {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private readonly listeners: Array<() => Promise<unknown>> = [];

  constructor(private readonly options: NodeRegistryOptions) {}

  get id(): string {
    return this.options.id;
  }

  /** Registers (or registers again) this node and starts its heartbeat. */
  async start(): Promise<void> {
    const { db, id, address, capacity, heartbeatMs, log } = this.options;
    const row = { address, capacity, heartbeatMs, sandboxes: this.options.sandboxes() };
    await db
      .insert(nodes)
      .values({ id, ...row })
      .onConflictDoUpdate({
        target: nodes.id,
        set: { ...row, startedAt: sql`now()`, heartbeatAt: sql`now()`, stoppedAt: null },
      });
    log.info({ node: id, address, capacity }, "node registered");
    this.timer ??= setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  /** Runs `work` after each heartbeat (renewing this node's session leases); a failure is logged. */
  onHeartbeat(work: () => Promise<unknown>): void {
    this.listeners.push(work);
  }

  /** Says this node is alive, with the sandboxes it holds now, then runs the heartbeat's work. */
  async heartbeat(): Promise<void> {
    // One at a time: a slow database does not pile writes up.
    this.beating ??= (async () => {
      const { db, id, log } = this.options;
      try {
        await db
          .update(nodes)
          .set({ heartbeatAt: sql`now()`, sandboxes: this.options.sandboxes() })
          .where(eq(nodes.id, id));
      } catch (error) {
        log.warn({ err: error, node: id }, "could not write the node's heartbeat");
      }
      for (const work of this.listeners) {
        await work().catch((error: unknown) =>
          log.warn({ err: error, node: id }, "heartbeat work failed; tried again on the next one"),
        );
      }
      this.beating = undefined;
    })();
    return this.beating;
  }

  /**
   * Stops the heartbeat without a word, as when the process dies: other nodes count this one lost,
   * and take its sessions once their leases lapse.
   */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the heartbeat and marks this node stopped (a clean shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.options.db
      .update(nodes)
      .set({ stoppedAt: sql`now()` })
      .where(eq(nodes.id, this.options.id));
    this.options.log.info({ node: this.options.id }, "node stopped");
  }

  /** Every node that shares the database, alive ones first, then by last heartbeat. */
  async list(): Promise<NodeView[]> {
    const rows = await this.options.db.select({ row: nodes, alive }).from(nodes).orderBy(desc(alive), desc(nodes.heartbeatAt));
    return rows.map(({ row, alive: isAlive }) => ({
      id: row.id,
      address: row.address,
      state: isAlive ? "alive" : row.stoppedAt ? "stopped" : "lost",
      capacity: row.capacity,
      sandboxes: row.sandboxes,
      heartbeat_interval: row.heartbeatMs / 1000,
      started_at: row.startedAt.toISOString(),
      heartbeat_at: row.heartbeatAt.toISOString(),
      stopped_at: row.stoppedAt?.toISOString() ?? null,
    }));
  }
}
