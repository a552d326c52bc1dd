CREATE TABLE "copy_bases" (
	"copy_id" text PRIMARY KEY NOT NULL,
	"template_id" text NOT NULL,
	"base" jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"conflicts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "template_versions" (
	"template_id" text NOT NULL,
	"version" integer NOT NULL,
	"files" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "template_versions_template_id_version_pk" PRIMARY KEY("template_id","version")
);
--> statement-breakpoint
CREATE INDEX "copy_bases_template_idx" ON "copy_bases" USING btree ("template_id");