import "server-only";
import { z } from "zod";
import { createSessionSchema, sessionIdSchema, updateSessionSchema } from "@/lib/api/schemas";
import { setupSpecSchema } from "@/lib/setup/spec";
import { LIST_LIMITS } from "@/lib/limits";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const sessionsRouter = createTRPCRouter({
  create: publicProcedure.input(createSessionSchema).mutation(({ ctx, input }) => ctx.sessions.create(ctx.caller, input)),
  get: publicProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.get(ctx.caller, input.id)),
  list: publicProcedure
    .input(
      z.object({ limit: z.number().int().min(1).max(LIST_LIMITS.sessions.max).default(LIST_LIMITS.sessions.default) }).optional(),
    )
    .query(({ ctx, input }) => ctx.sessions.list(ctx.caller, { limit: input?.limit })),
  update: publicProcedure
    .input(byId.extend({ patch: updateSessionSchema }))
    .mutation(({ ctx, input }) => ctx.sessions.update(ctx.caller, input.id, input.patch)),
  delete: publicProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await ctx.sessions.delete(ctx.caller, input.id);
    return { deleted: true };
  }),
  fork: publicProcedure
    .input(byId.extend({ new_id: sessionIdSchema.optional() }))
    .mutation(({ ctx, input }) => ctx.sessions.fork(ctx.caller, input.id, { id: input.new_id })),
  retrySetup: publicProcedure.input(byId).mutation(({ ctx, input }) => ctx.sessions.retrySetup(ctx.caller, input.id)),
  /** A new setup for the session, run as a new layer; the workspace keeps its files. */
  editSetup: publicProcedure
    .input(byId.extend({ setup: setupSpecSchema }))
    .mutation(({ ctx, input }) => ctx.sessions.editSetup(ctx.caller, input.id, input.setup)),
  /** What the caller may do with the session: change it (owner), or only look (a class owner viewing a copy). */
  access: publicProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.permissions(ctx.caller, input.id)),
  /** The copies made through the session's class links (its owner only). */
  forks: publicProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.classCopies(ctx.caller, input.id)),
  /** Each student's standing in the session's class: runs, the last one's result (its owner only). */
  classProgress: publicProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.classProgress(ctx.caller, input.id)),
  /** How many sandboxes are kept ready for the session's class, and how many are ready (its owner only). */
  classReadiness: publicProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.classReadiness(ctx.caller, input.id)),
  /** Gets the session's class ready: sandboxes started ahead for `students` (validated in the service). */
  prepareClass: publicProcedure
    .input(byId.extend({ students: z.number(), minutes: z.number().optional() }))
    .mutation(({ ctx, input }) => ctx.sessions.prepareClass(ctx.caller, input.id, input)),
  /** A student's changes against the template, for the template's owner (input: the copy's id). */
  copyChanges: publicProcedure.input(byId).query(({ ctx, input }) => ctx.actions.copyChanges(ctx.caller, input.id)),
  /** Renames a student's class copy (the template's owner only). */
  renameCopy: publicProcedure
    .input(byId.extend({ name: z.string().max(1024) }))
    .mutation(({ ctx, input }) => ctx.sessions.renameClassCopy(ctx.caller, input.id, input.name)),
  /** Removes a student's class copy (the template's owner only). */
  removeCopy: publicProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await ctx.sessions.removeClassCopy(ctx.caller, input.id);
    return { deleted: true };
  }),
});
