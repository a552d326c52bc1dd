import "server-only";
import { z } from "zod";
import { moveFileSchema, sessionIdSchema, writeFileSchema } from "@/lib/api/schemas";
import { API_LIMITS } from "@/lib/limits";
import { encodeOutput } from "@/server/sandbox/output";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });
const filePath = z.string().min(1).max(API_LIMITS.pathChars);

export const filesRouter = createTRPCRouter({
  list: publicProcedure
    .input(byId.extend({ path: filePath.default("."), recursive: z.boolean().default(true) }))
    .query(({ ctx, input }) => ctx.actions.listFiles(ctx.caller, input.id, input.path, input.recursive)),
  /**
   * What changes in the workspace, whoever changes it (runs, terminals, setup commands): paths
   * relative to it, while the sandbox runs. Following it neither wakes nor keeps awake the sandbox.
   */
  watch: publicProcedure.input(byId).subscription(async function* ({ ctx, input, signal }) {
    yield* ctx.actions.watchFiles(ctx.caller, input.id, signal ?? new AbortController().signal);
  }),
  /** The type declarations of the npm packages the session's setup installed, for the editor (bounded). */
  packageTypes: publicProcedure.input(byId).query(({ ctx, input }) => ctx.actions.packageTypes(ctx.caller, input.id)),
  /** A file's text when it is UTF-8, else base64. */
  read: publicProcedure.input(byId.extend({ path: filePath })).query(async ({ ctx, input }) => {
    const { data, entry } = await ctx.actions.readFile(ctx.caller, input.id, input.path);
    const { text, encoding } = encodeOutput(data);
    return { ...entry, encoding, content: text };
  }),
  write: publicProcedure
    .input(byId.extend({ path: filePath, file: writeFileSchema }))
    .mutation(({ ctx, input }) =>
      ctx.actions.writeFile(
        ctx.caller,
        input.id,
        input.path,
        Buffer.from(input.file.content, input.file.encoding === "base64" ? "base64" : "utf8"),
        input.file.mode,
      ),
    ),
  mkdir: publicProcedure
    .input(byId.extend({ path: filePath }))
    .mutation(({ ctx, input }) => ctx.actions.makeDirectory(ctx.caller, input.id, input.path)),
  move: publicProcedure
    .input(byId.extend(moveFileSchema.shape))
    .mutation(({ ctx, input }) => ctx.actions.moveFile(ctx.caller, input.id, input.from, input.to)),
  delete: publicProcedure
    .input(byId.extend({ path: filePath, recursive: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.actions.deleteFile(ctx.caller, input.id, input.path, input.recursive);
      return { deleted: true };
    }),
});
