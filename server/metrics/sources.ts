import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { sandboxes, sessions } from "@/server/db/schema";
import type { SandboxManager } from "@/server/sandbox/manager";
import type { SetupService } from "@/server/setup/service";
import { SESSION_STATES, type MetricsSources, type SessionState } from "./metrics";

/** Sessions by the state of their sandbox; a session that never had one is `new`. */
export async function sessionsByState(db: Database): Promise<Record<SessionState, number>> {
  const state = sql<string>`coalesce(${sandboxes.state}, 'new')`;
  const rows = await db
    .select({ state, count: sql<number>`count(*)::int` })
    .from(sessions)
    .leftJoin(sandboxes, eq(sandboxes.sessionId, sessions.id))
    .groupBy(state);
  const counts = Object.fromEntries(SESSION_STATES.map((name) => [name, 0])) as Record<SessionState, number>;
  for (const row of rows) if (row.state in counts) counts[row.state as SessionState] = Number(row.count);
  return counts;
}

/** The gauges' sources among one process's services. */
export function metricsSources(options: {
  db: Database;
  sandboxes: SandboxManager;
  setups: SetupService;
  nodeId: string;
  capacity: number;
}): MetricsSources {
  return {
    nodeId: options.nodeId,
    capacity: options.capacity,
    sessionsByState: () => sessionsByState(options.db),
    sandboxes: () => options.sandboxes.openCount,
    setupQueue: () => options.setups.queue,
    pool: () => options.sandboxes.pool?.snapshot(),
  };
}
