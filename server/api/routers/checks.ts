import "server-only";
import { z } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

/** Assignments: hidden tests and deadlines of class templates, and Check. Access is decided in CheckService. */
export const checksRouter = createTRPCRouter({
  /** Whether the session offers Check, its deadline, and its latest check as the caller may see it. */
  status: publicProcedure.input(byId).query(({ ctx, input }) => ctx.checks.status(ctx.caller, input.id)),
  /** Runs the hidden tests against a copy of the session's work. */
  run: publicProcedure.input(byId).mutation(({ ctx, input }) => ctx.checks.check(ctx.caller, input.id)),
  /** The session's checks, newest first. */
  history: publicProcedure.input(byId).query(({ ctx, input }) => ctx.checks.history(ctx.caller, input.id)),
  /** The template's assignment (its owner only). */
  assignment: publicProcedure.input(byId).query(({ ctx, input }) => ctx.checks.assignment(ctx.caller, input.id)),
  /** Changes the template's assignment; validated in the service, whose messages say what to fix. */
  setAssignment: publicProcedure
    .input(byId.extend({ assignment: z.record(z.string(), z.unknown()) }))
    .mutation(({ ctx, input }) => ctx.checks.setAssignment(ctx.caller, input.id, input.assignment)),
  /** Moves files of the template's workspace into its hidden files. */
  hideFiles: publicProcedure
    .input(byId.extend({ paths: z.array(z.string().max(4096)).max(200) }))
    .mutation(({ ctx, input }) => ctx.checks.hideFiles(ctx.caller, input.id, input.paths)),
  /** Each student's standing in the class, with their latest check and deadline (the template's owner). */
  classProgress: publicProcedure.input(byId).query(({ ctx, input }) => ctx.checks.classProgress(ctx.caller, input.id)),
  /** One student's own deadline, or the class's back with null (the template's owner). */
  setCopyDeadline: publicProcedure
    .input(byId.extend({ deadline: z.string().max(64).nullable() }))
    .mutation(({ ctx, input }) => ctx.checks.setCopyDeadline(ctx.caller, input.id, input.deadline)),
});
