CREATE TABLE "layers" (
	"key" text PRIMARY KEY NOT NULL,
	"bytes" bigint NOT NULL,
	"files" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "setups" (
	"session_id" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL,
	"spec_hash" text NOT NULL,
	"layer_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"success" boolean,
	"duration_ms" integer,
	"error" text,
	"stdout" text,
	"stderr" text,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"layer" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"note" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "setups_status_idx" ON "setups" USING btree ("status","queued_at");