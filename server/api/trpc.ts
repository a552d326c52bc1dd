import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { zodProblems } from "@/lib/api/problems";
import { anonymousCaller, type Identity } from "@/server/sessions/caller";
import type { Services } from "@/server/services";
import { toApiError } from "@/server/errors";
import { toTRPCError } from "./errors";

/** The part of the context tests build directly: the engines and services, nothing per-request. */
export type ContextInner = Pick<
  Services,
  | "config"
  | "docker"
  | "runtime"
  | "database"
  | "store"
  | "sessions"
  | "actions"
  | "setups"
  | "sandboxes"
  | "shares"
  | "embeds"
  | "checks"
  | "resume"
  | "accounts"
  | "previews"
  | "templateUpdates"
>;

export interface Context extends ContextInner {
  /**
   * Who is calling (a browser's signed owner cookie; anonymous in tests and open use). Procedures
   * pass it to the services, which decide access to each session; no procedure checks one itself.
   */
  caller: Identity;
  /** Makes the calling browser this owner from the response on (a resume link); absent outside the web route. */
  setOwner?: (owner: string) => void;
  /**
   * The session the request's X-Sandpit-Session header names (the node it reached sent it to the
   * node running that session on the header's word); a call about another session is refused.
   */
  namedSession?: string;
}

export function createContextInner(
  services: ContextInner,
  caller: Identity = anonymousCaller(),
  setOwner?: (owner: string) => void,
  namedSession?: string,
): Context {
  return { ...services, caller, setOwner, namedSession };
}

/** Headers a tRPC answer needs: Retry-After when a call was rate-limited. */
export function trpcResponseHeaders(errors: readonly TRPCError[]): Record<string, string> {
  const retryAfter = errors.map((error) => toApiError(error.cause ?? error).retryAfter).find((value) => value !== undefined);
  return retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {};
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // A bad request says what to fix, field by field, in the same lines as REST and MCP; other errors keep their message only.
    const zodError = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause.issues : null;
    const details =
      error.code !== "BAD_REQUEST"
        ? null
        : zodError
          ? zodProblems(zodError)
          : ((error.cause as { problems?: string[] } | undefined)?.problems ?? null);
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

/** A call whose session (`id`) is not the one its request's X-Sandpit-Session header named is refused. */
const namedSessionOnly = t.middleware(async ({ ctx, getRawInput, next }) => {
  if (ctx.namedSession !== undefined) {
    const id = ((await getRawInput()) as { id?: unknown } | undefined)?.id;
    if (typeof id === "string" && id !== ctx.namedSession)
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `the X-Sandpit-Session header names session ${ctx.namedSession}, but this call is about ${id}; send one session's calls per request, or leave the header out`,
      });
  }
  return next();
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
/** Every procedure: access to sessions is decided by the services, given `ctx.caller`. */
export const publicProcedure = t.procedure.use(domainErrors).use(namedSessionOnly);
