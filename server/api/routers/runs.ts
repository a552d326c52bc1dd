import "server-only";
import { z } from "zod";
import { runSchema, sessionIdSchema } from "@/lib/api/schemas";
import { toStreamEvent, type StreamEvent } from "@/server/sandbox/runs";
import { createTRPCRouter, sessionReadProcedure, sessionWriteProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

export const runsRouter = createTRPCRouter({
  run: sessionWriteProcedure
    .input(byId.extend({ run: runSchema }))
    .mutation(({ ctx, input }) => ctx.actions.run(input.id, input.run)),
  /** Output as it comes, then one exit event; unsubscribing stops the run. */
  stream: sessionWriteProcedure.input(byId.extend({ run: runSchema })).subscription(async function* ({
    ctx,
    input,
    signal,
  }): AsyncGenerator<StreamEvent> {
    const events = await ctx.actions.runStream(input.id, input.run);
    const stop = (): void => void events.return(undefined);
    signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const event of events) yield toStreamEvent(event);
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }),
  stop: sessionWriteProcedure
    .input(byId.extend({ run_id: z.string().min(1) }))
    .mutation(({ ctx, input }) => ctx.actions.stopRun(input.id, input.run_id)),
  recent: sessionReadProcedure.input(byId).query(({ ctx, input }) => ctx.actions.recentRuns(input.id)),
});
