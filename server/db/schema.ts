import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per session that has ever had a sandbox: where its container is, or where its workspace
 * snapshot lies while it hibernates.
 */
export const sandboxes = pgTable(
  "sandboxes",
  {
    sessionId: text("session_id").primaryKey(),
    /** `running`: a container serves it; `hibernated`: only the snapshot exists; `new`: nothing yet. */
    state: text("state", { enum: ["new", "running", "hibernated"] })
      .notNull()
      .default("new"),
    containerId: text("container_id"),
    /** The complete snapshot in the object store; a key is written here only after its upload finished. */
    snapshotKey: text("snapshot_key"),
    snapshotBytes: bigint("snapshot_bytes", { mode: "number" }),
    /** The layer mounted read-only into the sandbox (set by setups). */
    layerKey: text("layer_key"),
    limits: jsonb("limits").$type<Record<string, number>>(),
    restarts: integer("restarts").notNull().default(0),
    lastActiveAt: timestamp("last_active_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("sandboxes_state_idx").on(table.state, table.lastActiveAt)],
);
