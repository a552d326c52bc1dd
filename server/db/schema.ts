import type { EgressPolicy } from "@/lib/egress";
import type { ConflictReason } from "@/lib/api/class-updates";
import type { LayerRecord, SetupStepRecord } from "@/lib/api/responses";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

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
    /** When the snapshot's files were read (its archive began): what a wake from it brings back is as of then. */
    snapshotAt: timestamp("snapshot_at", { withTimezone: true }),
    /**
     * The last time the session was taken over from a node that stopped renewing its lease (lost,
     * not hibernated): when, the time of the snapshot it woke from (null: it had none), and that node.
     */
    recoveredAt: timestamp("recovered_at", { withTimezone: true }),
    recoveredSnapshotAt: timestamp("recovered_snapshot_at", { withTimezone: true }),
    recoveredFrom: text("recovered_from"),
    /** The layer mounted read-only into the sandbox (set by setups). */
    layerKey: text("layer_key"),
    /** The layer whose workspace files were last copied into the workspace. */
    seededLayerKey: text("seeded_layer_key"),
    /** A fork whose copy may still hold sensitive files: they are deleted inside its sandbox on its next start. */
    scrubPending: boolean("scrub_pending").notNull().default(false),
    limits: jsonb("limits").$type<Record<string, number>>(),
    restarts: integer("restarts").notNull().default(0),
    lastActiveAt: timestamp("last_active_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("sandboxes_state_idx").on(table.state, table.lastActiveAt)],
);

export type { LayerRecord, SetupStepRecord };

/** The setup of a session: its spec (envs included, nowhere else), live progress and result. */
export const setups = pgTable(
  "setups",
  {
    sessionId: text("session_id").primaryKey(),
    /** The node that queued it (server/nodes): the one that runs it and recovers it after a restart. */
    node: text("node"),
    spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
    specHash: text("spec_hash").notNull(),
    layerKey: text("layer_key").notNull(),
    status: text("status", { enum: ["pending", "running", "completed", "failed"] })
      .notNull()
      .default("pending"),
    success: boolean("success"),
    durationMs: integer("duration_ms"),
    error: text("error"),
    stdout: text("stdout"),
    stderr: text("stderr"),
    steps: jsonb("steps").$type<SetupStepRecord[]>().notNull().default([]),
    layer: jsonb("layer").$type<LayerRecord | null>(),
    attempts: integer("attempts").notNull().default(0),
    note: text("note"),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (table) => [index("setups_status_idx").on(table.status, table.queuedAt)],
);

/** Layers stored in the object store, with the last time a session used each (for pruning). */
export const layers = pgTable("layers", {
  key: text("key").primaryKey(),
  bytes: bigint("bytes", { mode: "number" }).notNull(),
  files: integer("files").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }).notNull().defaultNow(),
});

export interface EgressSecretRecord {
  host: string;
  header: string;
  https: boolean;
  /** The value, sealed under the server's key (server/auth/seal.ts). */
  sealed?: string;
  /** The value in plain text, as stored before values were sealed; sealed when next read. */
  value?: string;
}

/** A session: the user-facing unit. Its sandbox, setup and files are kept elsewhere. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    language: text("language").notNull(),
    persistent: boolean("persistent").notNull().default(true),
    /**
     * The wall-clock limit of a run its owner chose, in seconds; null follows the configured
     * default (SANDPIT_RUN_TIMEOUT) as it is now. See resolveTimeout in lib/limits.ts.
     */
    defaultTimeout: doublePrecision("default_timeout"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    /** The workspace file run when a run names no code. */
    entryFile: text("entry_file"),
    /** What people call it: a title its owner chose, or a student's display name on a class copy. */
    name: text("name"),
    /** Who may change it: a browser owner token's subject, or an API key id. */
    owner: text("owner"),
    forkedFrom: text("forked_from"),
    /** A copy made through a class link: the template's owner may read it (and only such copies). */
    classCopy: boolean("class_copy").notNull().default(false),
    template: boolean("template").notNull().default(false),
    /** A class copy's own deadline, set by the teacher to extend the class's for this student. */
    deadline: timestamp("deadline", { withTimezone: true }),
    /** Whether its share links' visitors may open its previews (its owner's choice; off by default). */
    sharePreviews: boolean("share_previews").notNull().default(false),
    /** Egress policy (lib/egress.ts): "none", "registries" or { allow: [...] }; enforced by server/egress. */
    egress: jsonb("egress")
      .$type<EgressPolicy>()
      .notNull()
      .default(sql`'"none"'::jsonb`),
    /** Headers the egress proxy adds for one host each; never shown by the API nor given to the sandbox. */
    egressSecrets: jsonb("egress_secrets").$type<EgressSecretRecord[]>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastActiveAt: timestamp("last_active_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("sessions_owner_idx").on(table.owner, table.createdAt),
    index("sessions_forked_from_idx").on(table.forkedFrom),
  ],
);

/** One run's metadata. Its env (secrets) and its output are never written here. */
export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    language: text("language").notNull(),
    /** `code` or the entry file's path. */
    source: text("source").notNull(),
    exitCode: integer("exit_code"),
    durationMs: integer("duration_ms"),
    timedOut: boolean("timed_out").notNull().default(false),
    truncated: boolean("truncated").notNull().default(false),
    stdoutBytes: integer("stdout_bytes").notNull().default(0),
    stderrBytes: integer("stderr_bytes").notNull().default(0),
    envCount: integer("env_count").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("runs_session_idx").on(table.sessionId, table.createdAt)],
);

/** The shells a session has opened (they live in its sandbox; this is their register). */
export const shells = pgTable(
  "shells",
  {
    sessionId: text("session_id").notNull(),
    shellId: text("shell_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.sessionId, table.shellId] })],
);

/** Share links: a hash of each token to find it, and the token sealed with the server's key. */
/** What an embed link's author chose (see server/sessions/embeds.ts). */
export interface EmbedChoice {
  path: string | null;
  editable: boolean;
}

export const shares = pgTable(
  "shares",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The token sealed with the server's key, so its owner can show the link again (server/auth/seal.ts). */
    tokenSealed: text("token_sealed"),
    /** `embed`: the link opens /embed/{token} only (code and throwaway runs), never the session page. */
    role: text("role", { enum: ["view", "fork", "class", "embed"] }).notNull(),
    /** An embed link's choices: the file it shows (null: the entry file) and whether visitors may edit it. */
    embed: jsonb("embed").$type<EmbedChoice>(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("shares_session_idx").on(table.sessionId)],
);

/**
 * Resume links: one browser owner's key to the same sessions on another device. A hash finds the
 * link; the token is sealed with the server's key so its owner can show it again. One active link
 * per owner; making a new one revokes the old.
 */
export const resumeLinks = pgTable(
  "resume_links",
  {
    id: text("id").primaryKey(),
    /** The owner (`browser:…`, or a signed-in account's `oidc:…`) the link resumes. */
    owner: text("owner").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    tokenSealed: text("token_sealed"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [index("resume_links_owner_idx").on(table.owner)],
);

/**
 * Accounts of an OpenID Connect provider that signed in here. The owner id (`oidc:…`) is a hash of
 * issuer and subject; a browser signed in carries it in its owner cookie, so sessions follow the account.
 */
export const accounts = pgTable("accounts", {
  owner: text("owner").primaryKey(),
  issuer: text("issuer").notNull(),
  subject: text("subject").notNull(),
  /** What the provider last said to call them (name, preferred_username or email). */
  name: text("name"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }).notNull().defaultNow(),
});

/** API keys for programs: only a hash of each key is kept. */
export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  keyHash: text("key_hash").notNull().unique(),
  /** The first characters of the key, to recognise it in lists. */
  prefix: text("prefix").notNull(),
  /** Requests per minute. */
  rateLimit: integer("rate_limit").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

/** One hidden file of an assignment's checks: a path in the checked copy's workspace and its text. */
export interface HiddenFile {
  path: string;
  content: string;
}

/** How much of a check students see: pass or fail per test, also failure messages, or also the whole output. */
export type CheckFeedback = "results" | "messages" | "output";

/**
 * A class template's assignment: hidden tests (a command and files kept here, never in any
 * workspace) and a deadline. Only the template's owner reads or changes it (server/classroom).
 */
export const assignments = pgTable("assignments", {
  sessionId: text("session_id").primaryKey(),
  /** The test command, run in /workspace of a copy of the work with the hidden files laid over it. */
  command: text("command"),
  files: jsonb("files").$type<HiddenFile[]>().notNull().default([]),
  feedback: text("feedback", { enum: ["results", "messages", "output"] })
    .notNull()
    .default("messages"),
  timeoutSeconds: integer("timeout_seconds").notNull().default(60),
  /** After it, copies are read-only for their students (unless the teacher gave one a later deadline). */
  deadline: timestamp("deadline", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One Check: the hidden tests run against a copy of a session's work. */
export const checkResults = pgTable(
  "check_results",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id").notNull(),
    /** The template whose assignment was run. */
    templateId: text("template_id").notNull(),
    status: text("status", { enum: ["passed", "failed", "error"] }).notNull(),
    passed: integer("passed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    tests: jsonb("tests")
      .$type<Array<{ name: string; status: "passed" | "failed" | "skipped"; message: string | null }>>()
      .notNull()
      .default([]),
    /** What the command printed, cut to a bound: the teacher's to read, students' only when the feedback allows. */
    output: text("output").notNull().default(""),
    /** Why there are no results (the checks could not run), in words for the student. */
    problem: text("problem"),
    durationMs: integer("duration_ms").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("check_results_session_idx").on(table.sessionId, table.createdAt),
    index("check_results_template_idx").on(table.templateId, table.createdAt),
  ],
);

/** A path's sha256 (hex) for each file of a template's workspace that template updates carry. */
export type FileHashes = Record<string, string>;

/** What a template update left alone in a class copy, and why (see server/classroom/updates.ts). */
export interface UpdateConflictRecord {
  path: string;
  reason: ConflictReason;
}

/** Each published state of a template (a class's starting files): its number and its files' hashes. */
export const templateVersions = pgTable(
  "template_versions",
  {
    templateId: text("template_id").notNull(),
    version: integer("version").notNull(),
    files: jsonb("files").$type<FileHashes>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.templateId, table.version] })],
);

/**
 * Where a class copy stands against its template: the template's files it was made from or last
 * updated to (its base, to tell a student's edits from the template's), the version last published
 * to it, and what that update left alone or could not do.
 */
export const copyBases = pgTable(
  "copy_bases",
  {
    copyId: text("copy_id").primaryKey(),
    templateId: text("template_id").notNull(),
    base: jsonb("base").$type<FileHashes>().notNull(),
    /** The template version last published to this copy; 0 before any publish reached it. */
    version: integer("version").notNull().default(0),
    conflicts: jsonb("conflicts").$type<UpdateConflictRecord[]>().notNull().default([]),
    /** Why the last update did not reach this copy (its sandbox could not start, say); null when it did. */
    error: text("error"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("copy_bases_template_idx").on(table.templateId)],
);
/**
 * The Sandpit processes sharing this database, each a node with its own data folder and Docker
 * engine (server/nodes): where it is reached, what it holds, and when it last said it was alive.
 */
export const nodes = pgTable("nodes", {
  id: text("id").primaryKey(),
  address: text("address").notNull(),
  /** Sandboxes it offers to hold (SANDPIT_MAX_SANDBOXES). */
  capacity: integer("capacity").notNull(),
  /** Sandboxes open on it at its last heartbeat. */
  sandboxes: integer("sandboxes").notNull().default(0),
  /** Its heartbeat interval: it counts as alive while its last heartbeat is younger than three. */
  heartbeatMs: integer("heartbeat_ms").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
  /** Set when it shut down cleanly; cleared when it starts again. */
  stoppedAt: timestamp("stopped_at", { withTimezone: true }),
});

/**
 * Which node a session's sandbox may run on (server/nodes/leases.ts): at most one at a time. The
 * holder renews `expires_at` with its heartbeat; a lapsed lease may be taken by any node. The row
 * stays after release, so that the next holder knows who ran the session last.
 */
export const sessionLeases = pgTable(
  "session_leases",
  {
    sessionId: text("session_id").primaryKey(),
    nodeId: text("node_id").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** When this holder took it (kept through renewals). */
    takenAt: timestamp("taken_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when the holder let it go (its files are in the object store); null while held, or when it lapsed. */
    releasedAt: timestamp("released_at", { withTimezone: true }),
  },
  (table) => [index("session_leases_node_idx").on(table.nodeId)],
);
