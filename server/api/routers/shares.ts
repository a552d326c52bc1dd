import "server-only";
import { z } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const sharesRouter = createTRPCRouter({
  create: publicProcedure
    .input(
      byId.extend({
        role: z.enum(["view", "fork", "class"]),
        expires_in: z
          .number()
          .int()
          .min(60)
          .max(365 * 86_400)
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.sessions.require(input.id);
      return ctx.shares.create(input.id, input.role, input.expires_in);
    }),
  list: publicProcedure.input(byId).query(async ({ ctx, input }) => {
    await ctx.sessions.require(input.id);
    return ctx.shares.list(input.id);
  }),
  revoke: publicProcedure
    .input(byId.extend({ share_id: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => ({ revoked: await ctx.shares.revoke(input.id, input.share_id) })),
  /** What a share link opens; a revoked or expired link is an error that says so. */
  resolve: publicProcedure.input(z.object({ token: z.string().min(10).max(100) })).query(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    return { share, session: await ctx.sessions.get(share.session_id) };
  }),
});
