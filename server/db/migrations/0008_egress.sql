ALTER TABLE "sessions" ADD COLUMN "egress" jsonb DEFAULT '"none"'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "egress_secrets" jsonb DEFAULT '[]'::jsonb NOT NULL;