import "server-only";
import { z } from "zod";
import { execSchema, sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });
const shellId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "shell ids use 1 to 64 letters, digits, - and _");

export const shellsRouter = createTRPCRouter({
  create: publicProcedure
    .input(byId.extend({ shell_id: shellId.optional() }))
    .mutation(({ ctx, input }) => ctx.actions.createShell(ctx.caller, input.id, input.shell_id)),
  list: publicProcedure.input(byId).query(({ ctx, input }) => ctx.actions.listShells(ctx.caller, input.id)),
  exec: publicProcedure
    .input(byId.extend({ exec: execSchema }))
    .mutation(({ ctx, input }) => ctx.actions.exec(ctx.caller, input.id, input.exec)),
  delete: publicProcedure.input(byId.extend({ shell_id: shellId })).mutation(async ({ ctx, input }) => {
    await ctx.actions.deleteShell(ctx.caller, input.id, input.shell_id);
    return { deleted: true };
  }),
});
