import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { runSchema, sessionIdSchema } from "@/lib/api/schemas";
import type { StreamEvent } from "@/server/sandbox/runs";
import { runFeeds } from "../run-feeds";
import { createTRPCRouter, sessionReadProcedure, sessionWriteProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const runsRouter = createTRPCRouter({
  run: sessionWriteProcedure
    .input(byId.extend({ run: runSchema }))
    .mutation(({ ctx, input }) => ctx.actions.run(input.id, input.run)),
  /**
   * Starts a streamed run (a POST, like every call that runs code) and returns the id its output is
   * followed by; nobody following it within a while stops it.
   */
  start: sessionWriteProcedure
    .input(byId.extend({ run: runSchema }))
    .mutation(async ({ ctx, input }) => ({
      stream_id: runFeeds().start(input.id, await ctx.actions.runStream(input.id, input.run)),
    })),
  /**
   * A started run's output from its start, then one exit event; runs nothing itself (a subscription
   * is a GET). Unsubscribing stops the run.
   */
  follow: sessionWriteProcedure.input(byId.extend({ stream_id: z.string().min(1).max(64) })).subscription(async function* ({
    input,
    signal,
  }): AsyncGenerator<StreamEvent> {
    if (!runFeeds().has(input.id, input.stream_id))
      throw new TRPCError({
        code: "NOT_FOUND",
        message: `no run ${input.stream_id} to follow in session ${input.id}: start one with runs.start`,
      });
    yield* runFeeds().follow(input.id, input.stream_id, signal);
  }),
  stop: sessionWriteProcedure
    .input(byId.extend({ run_id: z.string().min(1) }))
    .mutation(({ ctx, input }) => ctx.actions.stopRun(input.id, input.run_id)),
  recent: sessionReadProcedure.input(byId).query(({ ctx, input }) => ctx.actions.recentRuns(input.id)),
});
