import "server-only";
import { z } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });

/** A class's template and its students' copies: template updates (the template's owner only). */
export const classroomRouter = createTRPCRouter({
  /** Sends the template's files as they are now to every class copy; edited files are left alone and reported. */
  publish: publicProcedure.input(byId).mutation(({ ctx, input }) => ctx.templateUpdates.publish(ctx.caller, input.id)),
  /** The version last published, and where each copy stands against it (conflicts, failures). */
  updates: publicProcedure.input(byId).query(({ ctx, input }) => ctx.templateUpdates.status(ctx.caller, input.id)),
});
