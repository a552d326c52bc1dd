CREATE TABLE "sandboxes" (
	"session_id" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'new' NOT NULL,
	"container_id" text,
	"snapshot_key" text,
	"snapshot_bytes" bigint,
	"layer_key" text,
	"limits" jsonb,
	"restarts" integer DEFAULT 0 NOT NULL,
	"last_active_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sandboxes_state_idx" ON "sandboxes" USING btree ("state","last_active_at");