ALTER TABLE "sandboxes" ADD COLUMN "snapshot_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "recovered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "recovered_snapshot_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "recovered_from" text;--> statement-breakpoint
ALTER TABLE "session_leases" ADD COLUMN "released_at" timestamp with time zone;--> statement-breakpoint
-- Leases that ended before releases were recorded count as released: no session says it was lost for them.
UPDATE "session_leases" SET "released_at" = "expires_at" WHERE "expires_at" <= now();
