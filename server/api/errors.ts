import "server-only";
import { TRPCError } from "@trpc/server";
import { toApiError } from "@/server/errors";

const TRPC_CODES: Record<number, TRPCError["code"]> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  410: "NOT_FOUND",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

/** The shared error map, in tRPC's codes. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  const api = toApiError(error);
  return new TRPCError({
    code: TRPC_CODES[api.status] ?? "INTERNAL_SERVER_ERROR",
    message: api.message,
    cause: error instanceof Error ? error : undefined,
  });
}
