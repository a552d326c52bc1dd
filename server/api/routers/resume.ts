import "server-only";
import { z } from "zod";
import { InvalidRequestError } from "@/server/sessions/errors";
import { createTRPCRouter, publicProcedure } from "../trpc";

/** Resume links: carry this browser's sessions to another device. */
export const resumeRouter = createTRPCRouter({
  current: publicProcedure.query(({ ctx }) => ctx.resume.current(ctx.caller)),
  create: publicProcedure.mutation(({ ctx }) => ctx.resume.create(ctx.caller)),
  revoke: publicProcedure.mutation(async ({ ctx }) => ({ revoked: await ctx.resume.revoke(ctx.caller) })),
  /** Makes this browser the link's owner; with bring_sessions its current sessions come along. */
  use: publicProcedure
    .input(z.object({ token: z.string().min(1).max(100), bring_sessions: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.setOwner) throw new InvalidRequestError("a resume link is used from a browser, on Sandpit's /resume page");
      const result = await ctx.resume.use(ctx.caller, input.token, input.bring_sessions);
      ctx.setOwner(result.owner);
      return { moved: result.moved };
    }),
});
