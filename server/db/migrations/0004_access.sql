ALTER TABLE "sessions" ADD COLUMN "class_copy" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Copies made before this column existed: forks of a class template are taken as class copies, so teachers keep seeing them.
UPDATE "sessions" SET "class_copy" = true WHERE "forked_from" IN (SELECT "id" FROM "sessions" WHERE "template");
