import "server-only";
import { createTRPCRouter, publicProcedure } from "../trpc";

/** Sign-in through the OpenID Connect provider: whether it is offered, and who is signed in here. */
export const accountRouter = createTRPCRouter({
  current: publicProcedure.query(({ ctx }) => ctx.accounts.view(ctx.caller)),
});
