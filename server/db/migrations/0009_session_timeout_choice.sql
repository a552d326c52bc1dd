ALTER TABLE "sessions" ALTER COLUMN "default_timeout" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "default_timeout" DROP NOT NULL;--> statement-breakpoint
-- A session now stores only the timeout its owner chose (NULL follows SANDPIT_RUN_TIMEOUT as it is
-- at each run). Sessions made before copied the configured default into this column, and SQL cannot
-- tell that copy from a choice. Rows holding the shipped default (30 s) become NULL: an owner who
-- chose exactly 30 s sees no change until the configuration changes, while every other session
-- stops being frozen at 30 s. Other values stay choices; a server that ran with another
-- SANDPIT_RUN_TIMEOUT releases its sessions with the same statement and its old value in seconds.
UPDATE "sessions" SET "default_timeout" = NULL WHERE "default_timeout" = 30;
