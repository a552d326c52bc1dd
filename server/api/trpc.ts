import "server-only";
import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Services } from "@/server/services";

/** The part of the context tests build directly: the engines, nothing per-request. */
export type ContextInner = Pick<Services, "config" | "docker" | "database" | "store">;

export function createContextInner(services: ContextInner): ContextInner {
  return services;
}

const t = initTRPC.context<ContextInner>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // zod details are useful to fix a bad request; other errors keep their message only.
    const zodError = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause.issues : null;
    return { ...shape, data: { ...shape.data, zodError } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;
