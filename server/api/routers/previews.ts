import "server-only";
import { z } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import { SHARE_LIMITS } from "@/lib/limits";
import { shareCaller } from "@/server/sessions/caller";
import { createTRPCRouter, publicProcedure } from "../trpc";

const portsInput = z.object({
  id: sessionIdSchema,
  /** The port the page reached Sandpit by, which preview links keep (empty for the scheme's own). */
  web_port: z.string().regex(/^\d{0,5}$/, "web_port must be a port number or empty"),
  /** A preview is on screen: the sandbox is kept awake while it is. */
  keep_awake: z.boolean().optional(),
  /** A share link's token, for its visitors (when the owner shares previews). */
  token: z.string().min(1).max(SHARE_LIMITS.tokenChars).optional(),
});

export const previewsRouter = createTRPCRouter({
  /** The sandbox's listening ports, each with a link that opens its preview. */
  ports: publicProcedure.input(portsInput).query(async ({ ctx, input }) => ({
    ports: await ctx.previews.ports(input.token ? shareCaller(input.token, ctx.caller) : ctx.caller, input.id, {
      requestPort: input.web_port,
      keepAwake: input.keep_awake,
    }),
  })),
});
