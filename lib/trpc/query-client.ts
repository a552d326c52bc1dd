import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/** Answers that asking again cannot change: a missing session, a bad request, a refused caller. */
const FINAL_CODES = new Set(["NOT_FOUND", "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "CONFLICT", "PRECONDITION_FAILED"]);

/** Retries a failed query up to 3 times, unless the server's answer was final (a 4xx). */
export function shouldRetry(failures: number, error: unknown): boolean {
  const code = (error as { data?: { code?: unknown } } | null)?.data?.code;
  if (typeof code === "string" && FINAL_CODES.has(code)) return false;
  return failures < 3;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, refetchOnWindowFocus: false, retry: shouldRetry },
      dehydrate: {
        serializeData: superjson.serialize,
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
