import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { API_LIMITS, sessionIdSchema } from "@/lib/api/schemas";
import { encodeOutput } from "@/server/sandbox/output";
import { createTRPCRouter, publicProcedure, sessionWriteProcedure } from "../trpc";
import type { Context } from "../trpc";

const byId = z.object({ id: sessionIdSchema });
const byToken = z.object({ token: z.string().min(20).max(100) });

function visitor(ctx: Context): string {
  if (!ctx.owner) throw new TRPCError({ code: "UNAUTHORIZED", message: "this browser has no identity yet; reload the page" });
  return ctx.owner;
}

export const sharesRouter = createTRPCRouter({
  create: sessionWriteProcedure
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
      if (input.role === "class") await ctx.sessions.update(input.id, { template: true });
      return ctx.shares.create(input.id, input.role, input.expires_in);
    }),
  list: sessionWriteProcedure.input(byId).query(({ ctx, input }) => ctx.shares.list(input.id)),
  revoke: sessionWriteProcedure
    .input(byId.extend({ share_id: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => ({ revoked: await ctx.shares.revoke(input.id, input.share_id) })),

  /** What a share link opens; a revoked or expired link is an error that says which. */
  resolve: publicProcedure.input(byToken).query(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    return {
      share,
      session: await ctx.sessions.get(share.session_id),
      mine: (await ctx.sessions.require(share.session_id)).owner === ctx.owner,
    };
  }),
  /** The shared session's files, read-only. */
  files: publicProcedure.input(byToken).query(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    return ctx.actions.listFiles(share.session_id, ".", true);
  }),
  read: publicProcedure.input(byToken.extend({ path: z.string().min(1).max(1024) })).query(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    const { data } = await ctx.actions.readFile(share.session_id, input.path);
    const { text, encoding } = encodeOutput(data);
    return { encoding, content: text };
  }),
  /** A fork of the shared session that belongs to this visitor. */
  fork: publicProcedure.input(byToken).mutation(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    return ctx.sessions.fork(share.session_id, { owner: visitor(ctx) });
  }),
  /** A class link: this visitor's own fork of the template, made on the first visit and the same later. */
  joinClass: publicProcedure.input(byToken).mutation(async ({ ctx, input }) => {
    const share = await ctx.shares.resolve(input.token);
    if (share.role !== "class") throw new TRPCError({ code: "BAD_REQUEST", message: "this link is not a class link" });
    const owner = visitor(ctx);
    const existing = await ctx.sessions.forkOwnedBy(share.session_id, owner);
    return existing ?? ctx.sessions.fork(share.session_id, { owner });
  }),

  /** What an embed shows: the session's language and its entry file (or first file). Needs an active share link. */
  embed: publicProcedure.input(byId).query(async ({ ctx, input }) => {
    if (!(await ctx.shares.hasActive(input.id)))
      throw new TRPCError({ code: "NOT_FOUND", message: "this session is not shared, so it cannot be embedded" });
    const session = await ctx.sessions.get(input.id);
    const files = (await ctx.actions.listFiles(input.id, ".", true)).filter((f) => f.type === "file");
    const path = session.entry_file ?? files[0]?.path;
    const code = path ? (await ctx.actions.readFile(input.id, path)).data.toString("utf8") : "";
    return { id: session.id, language: session.language, path: path ?? null, code };
  }),
  /** A run for an embed visitor, in a throwaway fork of the session (removed right after). */
  embedRun: publicProcedure
    .input(byId.extend({ code: z.string().max(API_LIMITS.codeBytes) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await ctx.shares.hasActive(input.id)))
        throw new TRPCError({ code: "NOT_FOUND", message: "this session is not shared, so it cannot be embedded" });
      const fork = await ctx.sessions.fork(input.id, { owner: "embed" });
      try {
        return await ctx.actions.run(fork.id, { code: input.code, timeout: 30 });
      } finally {
        await ctx.sessions.delete(fork.id);
      }
    }),
});
