import "server-only";
import { z } from "zod";
import { execSchema, sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, sessionReadProcedure, sessionWriteProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });
const shellId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "shell ids use 1 to 64 letters, digits, - and _");

export const shellsRouter = createTRPCRouter({
  create: sessionWriteProcedure
    .input(byId.extend({ shell_id: shellId.optional() }))
    .mutation(({ ctx, input }) => ctx.actions.createShell(input.id, input.shell_id)),
  list: sessionReadProcedure.input(byId).query(({ ctx, input }) => ctx.actions.listShells(input.id)),
  exec: sessionWriteProcedure
    .input(byId.extend({ exec: execSchema }))
    .mutation(({ ctx, input }) => ctx.actions.exec(input.id, input.exec)),
  delete: sessionWriteProcedure.input(byId.extend({ shell_id: shellId })).mutation(async ({ ctx, input }) => {
    await ctx.actions.deleteShell(input.id, input.shell_id);
    return { deleted: true };
  }),
});
