import { z } from "zod";

// Template updates (server/classroom/updates.ts) as the API shows them: what a publish did to each
// class copy, and where each copy stands. The services' view types are inferred from these.

/**
 * Why an update left a class copy's file alone, as the API names it and as the dashboard says it.
 */
export const CONFLICT_REASONS = {
  edited: "the student edited it",
  deleted: "the student deleted it",
  own_file: "the student has a file of their own there",
  edited_removed: "removed from the template, but the student edited it",
  not_a_file: "the student has a folder or link there",
} as const;

export type ConflictReason = keyof typeof CONFLICT_REASONS;

export const updateConflictSchema = z.object({
  path: z.string(),
  reason: z.enum(Object.keys(CONFLICT_REASONS) as [ConflictReason, ...ConflictReason[]]).meta({
    description: Object.entries(CONFLICT_REASONS)
      .map(([id, text]) => `${id}: ${text}`)
      .join("; "),
  }),
});
export type UpdateConflict = z.infer<typeof updateConflictSchema>;

export const copyUpdateSchema = z.object({
  session_id: z.string(),
  name: z.string().nullable().meta({ description: "the student's name" }),
  applied: z
    .array(z.object({ path: z.string(), action: z.enum(["added", "updated", "removed"]) }))
    .meta({ description: "the template's files written to (or removed from) this copy" }),
  conflicts: z.array(updateConflictSchema).meta({ description: "the files left alone because the student made them theirs" }),
  error: z.string().nullable().meta({ description: "why this copy could not be updated (others were); publish again to retry" }),
});
export type CopyUpdate = z.infer<typeof copyUpdateSchema>;

export const publishResultSchema = z.object({
  template_id: z.string(),
  version: z.number().int().meta({ description: "the template version now published (1 for the first)" }),
  files: z.number().int().meta({ description: "the template's files an update sends" }),
  copies: z.number().int().meta({ description: "class copies updated or tried" }),
  updated: z.number().int().meta({ description: "copies that received at least one file" }),
  applied: z.number().int().meta({ description: "files written or removed, over all copies" }),
  conflicts: z.number().int().meta({ description: "files left alone, over all copies" }),
  failed: z.number().int().meta({ description: "copies that could not be updated" }),
  results: z.array(copyUpdateSchema),
});
export type PublishResult = z.infer<typeof publishResultSchema>;

export const copyUpdateStateSchema = z.object({
  session_id: z.string(),
  version: z.number().int().meta({ description: "the template version last published to it (0: none yet)" }),
  state: z.enum(["up to date", "conflicts", "failed", "behind"]),
  conflicts: z.array(updateConflictSchema),
  error: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type CopyUpdateState = z.infer<typeof copyUpdateStateSchema>;

export const classUpdatesSchema = z.object({
  template_id: z.string(),
  published: z
    .object({ version: z.number().int(), at: z.string(), files: z.number().int() })
    .nullable()
    .meta({ description: "the last version published; null before the first" }),
  copies: z.array(copyUpdateStateSchema),
});
export type ClassUpdates = z.infer<typeof classUpdatesSchema>;
