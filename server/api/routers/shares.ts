import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import { API_LIMITS, SHARE_LIMITS } from "@/lib/limits";
import { encodeOutput } from "@/server/sandbox/output";
import type { StreamEvent } from "@/server/sandbox/runs";
import { runFeeds } from "../run-feeds";
import { shareCaller, type Identity, type ShareCaller } from "@/server/sessions/caller";
import { resolveShare } from "@/server/sessions/share-links";
import { createTRPCRouter, publicProcedure } from "../trpc";

const byId = z.object({ id: sessionIdSchema });
const byToken = z.object({ token: z.string().min(1).max(SHARE_LIMITS.tokenChars) });

/** The visitor with the link's token: the services add the link's rights to the visitor's own. */
function withToken(caller: Identity, token: string): ShareCaller {
  return shareCaller(token, caller);
}

export const sharesRouter = createTRPCRouter({
  create: publicProcedure
    .input(
      byId.extend({
        role: z.enum(["view", "fork", "class", "embed"]),
        expires_in: z.number().int().min(SHARE_LIMITS.minExpiresSeconds).max(SHARE_LIMITS.maxExpiresSeconds).optional(),
        /** For embed links: the file shown (default: the entry file) and whether visitors may edit it. */
        embed: z
          .object({ path: z.string().min(1).max(API_LIMITS.pathChars).optional(), editable: z.boolean().optional() })
          .strict()
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.shares.create(ctx.caller, input.id, input.role, input.expires_in, input.embed)),
  list: publicProcedure.input(byId).query(({ ctx, input }) => ctx.shares.list(ctx.caller, input.id)),
  revoke: publicProcedure
    .input(byId.extend({ share_id: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => ({ revoked: await ctx.shares.revoke(ctx.caller, input.id, input.share_id) })),

  /** What a share link opens; a revoked or expired link is an error that says which. */
  resolve: publicProcedure.input(byToken).query(({ ctx, input }) => ctx.shares.open(withToken(ctx.caller, input.token))),
  /** The shared session's files, read-only. */
  files: publicProcedure.input(byToken).query(async ({ ctx, input }) => {
    const caller = withToken(ctx.caller, input.token);
    const share = await resolveShare(ctx.database.db, input.token);
    return ctx.actions.listFiles(caller, share.session_id, ".", true);
  }),
  read: publicProcedure
    .input(byToken.extend({ path: z.string().min(1).max(API_LIMITS.pathChars) }))
    .query(async ({ ctx, input }) => {
      const caller = withToken(ctx.caller, input.token);
      const share = await resolveShare(ctx.database.db, input.token);
      const { data } = await ctx.actions.readFile(caller, share.session_id, input.path);
      const { text, encoding } = encodeOutput(data);
      return { encoding, content: text };
    }),
  /** A fork of the shared session that belongs to this visitor. */
  fork: publicProcedure.input(byToken).mutation(async ({ ctx, input }) => {
    const caller = withToken(ctx.caller, input.token);
    const share = await resolveShare(ctx.database.db, input.token);
    return ctx.sessions.fork(caller, share.session_id);
  }),
  /** The visitor's own copy for a class link, even a revoked or expired one; null when they have none. */
  ownCopy: publicProcedure.input(byToken).query(({ ctx, input }) => ctx.shares.ownClassCopy(withToken(ctx.caller, input.token))),
  /** A class link: this visitor's own copy of the template, made on the first visit and the same later. */
  joinClass: publicProcedure
    // The name is checked by the service, which says what to fix.
    .input(byToken.extend({ name: z.string().max(1024).optional() }))
    .mutation(({ ctx, input }) => ctx.sessions.joinClass(withToken(ctx.caller, input.token), { name: input.name })),

  /** What an embed link shows: the session's language and its entry file (or first file). */
  embed: publicProcedure.input(byToken).query(({ ctx, input }) => ctx.embeds.show(withToken(ctx.caller, input.token))),
  /** A run for an embed visitor, in a throwaway copy of the session (removed right after); rate-limited. */
  embedRun: publicProcedure
    .input(byToken.extend({ code: z.string().max(API_LIMITS.codeBytes) }))
    .mutation(({ ctx, input }) => ctx.embeds.run(withToken(ctx.caller, input.token), input.code)),
  /** The same run, its output followed as it comes with embedFollow (a POST starts, a GET only follows). */
  embedStart: publicProcedure
    .input(byToken.extend({ code: z.string().max(API_LIMITS.codeBytes) }))
    .mutation(async ({ ctx, input }) => {
      const { feed, events } = await ctx.embeds.runStream(withToken(ctx.caller, input.token), input.code);
      return { stream_id: runFeeds().start(feed, events) };
    }),
  embedFollow: publicProcedure.input(byToken.extend({ stream_id: z.string().min(1).max(64) })).subscription(async function* ({
    ctx,
    input,
    signal,
  }): AsyncGenerator<StreamEvent> {
    const feed = await ctx.embeds.feedOf(withToken(ctx.caller, input.token));
    if (!runFeeds().has(feed, input.stream_id))
      throw new TRPCError({ code: "NOT_FOUND", message: `no embed run ${input.stream_id} to follow: start one with embedStart` });
    yield* runFeeds().follow(feed, input.stream_id, signal);
  }),
});
