CREATE TABLE "resume_links" (
	"id" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_sealed" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "resume_links_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE INDEX "resume_links_owner_idx" ON "resume_links" USING btree ("owner");