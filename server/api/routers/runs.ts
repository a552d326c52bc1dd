import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { runSchema, sessionIdSchema } from "@/lib/api/schemas";
import type { StreamEvent } from "@/server/sandbox/runs";
import { runFeeds } from "../run-feeds";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const runsRouter = createTRPCRouter({
  run: publicProcedure
    .input(byId.extend({ run: runSchema }))
    .mutation(({ ctx, input }) => ctx.actions.run(ctx.caller, input.id, input.run)),
  /**
   * Starts a streamed run (a POST, like every call that runs code) and returns the id its output is
   * followed by; nobody following it within a while stops it.
   */
  start: publicProcedure.input(byId.extend({ run: runSchema })).mutation(async ({ ctx, input }) => ({
    stream_id: runFeeds().start(input.id, await ctx.actions.runStream(ctx.caller, input.id, input.run)),
  })),
  /**
   * A started run's output from its start, then one exit event; runs nothing itself (a subscription
   * is a GET). Unsubscribing stops the run.
   */
  follow: publicProcedure.input(byId.extend({ stream_id: z.string().min(1).max(64) })).subscription(async function* ({
    ctx,
    input,
    signal,
  }): AsyncGenerator<StreamEvent> {
    // The run's output is for those who may run code in the session, as its start was.
    await ctx.sessions.authorize(ctx.caller, input.id, "run");
    if (!runFeeds().has(input.id, input.stream_id))
      throw new TRPCError({
        code: "NOT_FOUND",
        message: `no run ${input.stream_id} to follow in session ${input.id}: start one with runs.start`,
      });
    yield* runFeeds().follow(input.id, input.stream_id, signal);
  }),
  stop: publicProcedure
    .input(byId.extend({ run_id: z.string().min(1) }))
    .mutation(({ ctx, input }) => ctx.actions.stopRun(ctx.caller, input.id, input.run_id)),
  recent: publicProcedure.input(byId).query(({ ctx, input }) => ctx.actions.recentRuns(ctx.caller, input.id)),
});
