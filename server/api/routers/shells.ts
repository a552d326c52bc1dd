import "server-only";
import { z } from "zod";
import { execSchema, sessionIdSchema, shellIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const shellsRouter = createTRPCRouter({
  create: publicProcedure
    .input(byId.extend({ shell_id: shellIdSchema.optional() }))
    .mutation(({ ctx, input }) => ctx.actions.createShell(ctx.caller, input.id, input.shell_id)),
  list: publicProcedure.input(byId).query(({ ctx, input }) => ctx.actions.listShells(ctx.caller, input.id)),
  exec: publicProcedure
    .input(byId.extend({ exec: execSchema }))
    .mutation(({ ctx, input }) => ctx.actions.exec(ctx.caller, input.id, input.exec)),
  delete: publicProcedure.input(byId.extend({ shell_id: shellIdSchema })).mutation(async ({ ctx, input }) => {
    await ctx.actions.deleteShell(ctx.caller, input.id, input.shell_id);
    return { deleted: true };
  }),
});
