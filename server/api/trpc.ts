import "server-only";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { sessionIdSchema } from "@/lib/api/schemas";
import type { Services } from "@/server/services";
import { toTRPCError } from "./errors";

/** The part of the context tests build directly: the engines and services, nothing per-request. */
export type ContextInner = Pick<
  Services,
  "config" | "docker" | "database" | "store" | "sessions" | "actions" | "setups" | "sandboxes" | "shares"
>;

export interface Context extends ContextInner {
  /** Who is calling: a browser's signed owner cookie (or nobody, in tests and open use). */
  owner?: string;
}

export function createContextInner(services: ContextInner, owner?: string): Context {
  return { ...services, owner };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // zod details are useful to fix a bad request; other errors keep their message only.
    const zodError = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause.issues : null;
    const details =
      error.code === "BAD_REQUEST" ? ((error.cause as { problems?: string[] } | undefined)?.problems ?? null) : null;
    return { ...shape, data: { ...shape.data, zodError, details } };
  },
});

/** Services throw their own errors; this maps them to tRPC codes in the one shared place. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  // tRPC's own errors (a bad input, say) keep their code; errors the services threw arrive wrapped as INTERNAL_SERVER_ERROR.
  if (!result.ok)
    throw result.error.code === "INTERNAL_SERVER_ERROR" ? toTRPCError(result.error.cause ?? result.error) : result.error;
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);
/** Procedures on one session: the caller must be allowed to use it (see SessionService.checkAccess). */
const sessionInput = z.object({ id: sessionIdSchema });
function sessionAccess(mode: "read" | "write") {
  return publicProcedure.input(sessionInput).use(async ({ ctx, input, next }) => {
    await ctx.sessions.checkAccess(input.id, ctx.owner, mode);
    return next();
  });
}

export const sessionReadProcedure = sessionAccess("read");
export const sessionWriteProcedure = sessionAccess("write");
