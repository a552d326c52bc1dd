import "server-only";
import { z } from "zod";
import { runSchema, sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, sessionReadProcedure, sessionWriteProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

/** A streamed run's events as the browser gets them: text when it is UTF-8, else base64. */
export type StreamEvent =
  | { type: "stdout" | "stderr"; data: string; encoding: "utf8" | "base64" }
  | { type: "exit"; run_id: string; exit_code: number; duration_ms: number; timed_out: boolean; truncated: boolean };

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
      for await (const event of events) {
        if (event.type === "exit") {
          yield {
            type: "exit",
            run_id: event.runId,
            exit_code: event.exitCode,
            duration_ms: event.durationMs,
            timed_out: event.timedOut,
            truncated: event.truncated,
          };
        } else {
          const text = event.data.toString("utf8");
          const exact = Buffer.from(text, "utf8").equals(event.data);
          yield { type: event.type, data: exact ? text : event.data.toString("base64"), encoding: exact ? "utf8" : "base64" };
        }
      }
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }),
  stop: sessionWriteProcedure
    .input(byId.extend({ run_id: z.string().min(1) }))
    .mutation(({ ctx, input }) => ctx.actions.stopRun(input.id, input.run_id)),
  recent: sessionReadProcedure.input(byId).query(({ ctx, input }) => ctx.actions.recentRuns(input.id)),
});
