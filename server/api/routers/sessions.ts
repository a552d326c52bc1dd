import "server-only";
import { z } from "zod";
import { createSessionSchema, sessionIdSchema, updateSessionSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure, sessionReadProcedure, sessionWriteProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const sessionsRouter = createTRPCRouter({
  create: publicProcedure.input(createSessionSchema).mutation(({ ctx, input }) => ctx.sessions.create(input, ctx.owner)),
  get: sessionReadProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.get(input.id)),
  list: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).default(20) }).optional())
    .query(({ ctx, input }) => ctx.sessions.list({ owner: ctx.owner, limit: input?.limit })),
  update: sessionWriteProcedure
    .input(byId.extend({ patch: updateSessionSchema }))
    .mutation(({ ctx, input }) => ctx.sessions.update(input.id, input.patch)),
  delete: sessionWriteProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await ctx.sessions.delete(input.id);
    return { deleted: true };
  }),
  fork: sessionReadProcedure
    .input(byId.extend({ new_id: sessionIdSchema.optional() }))
    .mutation(({ ctx, input }) => ctx.sessions.fork(input.id, { id: input.new_id, owner: ctx.owner })),
  retrySetup: sessionWriteProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await ctx.sessions.require(input.id);
    return ctx.setups.retry(input.id);
  }),
  /** What the caller may do with the session: change it (owner), or only look (a class owner viewing a copy). */
  access: sessionReadProcedure.input(byId).query(async ({ ctx, input }) => {
    const row = await ctx.sessions.require(input.id);
    return { write: row.owner === null || row.owner === ctx.owner };
  }),
  forks: sessionWriteProcedure.input(byId).query(({ ctx, input }) => ctx.sessions.forksOf(input.id)),
});
