CREATE TABLE "assignments" (
	"session_id" text PRIMARY KEY NOT NULL,
	"command" text,
	"files" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"feedback" text DEFAULT 'messages' NOT NULL,
	"timeout_seconds" integer DEFAULT 60 NOT NULL,
	"deadline" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "check_results" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"template_id" text NOT NULL,
	"status" text NOT NULL,
	"passed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"tests" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"output" text DEFAULT '' NOT NULL,
	"problem" text,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "deadline" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "check_results_session_idx" ON "check_results" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "check_results_template_idx" ON "check_results" USING btree ("template_id","created_at");