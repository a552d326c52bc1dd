import "server-only";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "@/server/db/client";
import { nodes, sessionLeases } from "@/server/db/schema";
import { SessionElsewhereError } from "./errors";

export { SessionElsewhereError } from "./errors";

export interface LeaseServiceOptions {
  db: Database;
  /** This node's id. */
  node: string;
  /** How long a lease lasts without renewal: a few heartbeat intervals. */
  ttlMs: number;
  /**
   * No other process can open the database (PGlite): no other node can take a lease, so a lease
   * this node took stays good however late its renewal comes.
   */
  alone: boolean;
  log: Logger;
  /** Told each time this node takes a lease another node held (see LeaseMove). */
  onMoved?: (move: LeaseMove) => void;
}

/**
 * Why a lease came to this node from another: that node let it go (`released`, its files were
 * saved), or stopped renewing it without a word (`lapsed`: lost, or cut off from the database).
 */
export type LeaseMove = "released" | "lapsed";

/**
 * A lease this node just took; `previous` is the other node that held it last, if one did, and
 * `moved` how it came from that node (null when none did).
 */
export interface TakenLease {
  previous: string | null;
  moved: LeaseMove | null;
}

/**
 * Which node a session's sandbox runs on: a row per session in `session_leases`, taken under a
 * row lock, renewed by the holder's heartbeat and free for any node once it lapses. Times are the
 * database's, as for node heartbeats; the holder also keeps a local deadline per lease (from before
 * it asked), so that it stops trusting a lease its renewals did not reach in time.
 */
export class LeaseService {
  /** The sessions this node holds, and until when (performance.now()) it may trust each. */
  private readonly held = new Map<string, number>();

  constructor(private readonly options: LeaseServiceOptions) {}

  get node(): string {
    return this.options.node;
  }

  private expiry() {
    return sql`now() + ${this.options.ttlMs}::integer * interval '1 millisecond'`;
  }

  /**
   * Takes the session's lease for this node: a new one, a lapsed one, or renews it when it is
   * this node's already. Throws SessionElsewhereError naming the holder when another node's lease
   * is still running.
   */
  async take(sessionId: string): Promise<TakenLease> {
    const { db, node, log } = this.options;
    const asked = performance.now();
    type Outcome = TakenLease | { owner: string; address: string | null } | undefined;
    const outcome = await db.transaction(async (tx): Promise<Outcome> => {
      const created = await tx
        .insert(sessionLeases)
        .values({ sessionId, nodeId: node, expiresAt: this.expiry(), takenAt: sql`now()` })
        .onConflictDoNothing()
        .returning({ nodeId: sessionLeases.nodeId });
      if (created.length > 0) return { previous: null, moved: null };
      // The row exists (a concurrent insert has committed by now): lock it and decide.
      const [row] = await tx
        .select({
          nodeId: sessionLeases.nodeId,
          running: sql<boolean>`${sessionLeases.expiresAt} > now()`,
          released: sql<boolean>`${sessionLeases.releasedAt} is not null`,
        })
        .from(sessionLeases)
        .where(eq(sessionLeases.sessionId, sessionId))
        .for("update");
      if (!row) return undefined;
      if (row.nodeId !== node && row.running) {
        const [owner] = await tx.select({ address: nodes.address }).from(nodes).where(eq(nodes.id, row.nodeId));
        return { owner: row.nodeId, address: owner?.address ?? null };
      }
      const renewing = row.nodeId === node && row.running;
      await tx
        .update(sessionLeases)
        .set({ nodeId: node, expiresAt: this.expiry(), releasedAt: null, ...(renewing ? {} : { takenAt: sql`now()` }) })
        .where(eq(sessionLeases.sessionId, sessionId));
      if (row.nodeId === node) return { previous: null, moved: null };
      return { previous: row.nodeId, moved: row.released ? "released" : "lapsed" };
    });
    // Deleted between the insert and the lock (its session was destroyed meanwhile): ask again.
    if (!outcome) return this.take(sessionId);
    if ("owner" in outcome) {
      this.held.delete(sessionId);
      throw new SessionElsewhereError(sessionId, outcome.owner, outcome.address);
    }
    this.held.set(sessionId, asked + this.options.ttlMs);
    if (outcome.moved) {
      log.info({ sessionId, node, from: outcome.previous, moved: outcome.moved }, "session lease taken over");
      this.options.onMoved?.(outcome.moved);
    }
    return outcome;
  }

  /** Whether this node may go on running the session without asking the database again. */
  fresh(sessionId: string): boolean {
    const until = this.held.get(sessionId);
    return until !== undefined && (this.options.alone || performance.now() < until);
  }

  /** The sessions this node holds a lease of. */
  get sessions(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Renews every lease this node holds, in one statement. Returns the sessions whose lease another
   * node took meanwhile (this node's lapsed unrenewed): they are no longer this node's to run.
   */
  async renew(): Promise<string[]> {
    const mine = this.sessions;
    if (mine.length === 0) return [];
    const asked = performance.now();
    const renewed = await this.options.db
      .update(sessionLeases)
      .set({ expiresAt: this.expiry() })
      .where(
        and(
          eq(sessionLeases.nodeId, this.options.node),
          inArray(sessionLeases.sessionId, mine),
          // One released while the renewal was on its way stays released.
          isNull(sessionLeases.releasedAt),
        ),
      )
      .returning({ sessionId: sessionLeases.sessionId });
    const kept = new Set(renewed.map((row) => row.sessionId));
    const lost: string[] = [];
    for (const sessionId of mine) {
      // Released while the renewal ran: neither renewed nor lost.
      if (!this.held.has(sessionId)) continue;
      if (kept.has(sessionId)) this.held.set(sessionId, asked + this.options.ttlMs);
      else {
        this.held.delete(sessionId);
        lost.push(sessionId);
      }
    }
    if (lost.length > 0) this.options.log.warn({ node: this.options.node, sessions: lost }, "session leases lost to other nodes");
    return lost;
  }

  /** Lets the session go: any node may take it now. The row stays, naming this node as its last holder. */
  async release(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    await this.options.db
      .update(sessionLeases)
      .set({ expiresAt: sql`now()`, releasedAt: sql`now()` })
      .where(and(eq(sessionLeases.sessionId, sessionId), eq(sessionLeases.nodeId, this.options.node)));
  }

  /** Removes the session's lease (the session is gone). */
  async forget(sessionId: string): Promise<void> {
    this.held.delete(sessionId);
    await this.options.db
      .delete(sessionLeases)
      .where(and(eq(sessionLeases.sessionId, sessionId), eq(sessionLeases.nodeId, this.options.node)));
  }
}
