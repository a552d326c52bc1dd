"use client";

import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import { z } from "zod";
import type { AppRouter } from "@/server/api/root";
import { SESSION_HEADER } from "@/lib/api/session-route";
import { makeQueryClient } from "./query-client";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

// Zod compiles its parsers with Function() where it may; the pages' CSP allows no eval, so in the
// browser it parses without compiling (and never probes, which the CSP would report).
z.config({ jitless: true });

/**
 * Names the session a batch of calls is about, when they all name one (every session procedure
 * takes it as `id`): with several servers, the one that receives the batch sends it on to the
 * server that runs that session before reading it (server/nodes/route.ts).
 */
function sessionHeader(operations: ReadonlyArray<{ input: unknown }>): Record<string, string> {
  const ids = new Set(operations.map((operation) => (operation.input as { id?: unknown } | undefined)?.id));
  const [only] = ids;
  return ids.size === 1 && typeof only === "string" ? { [SESSION_HEADER]: only } : {};
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }): ReactNode {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          // Streamed runs arrive as server-sent events; everything else is batched.
          condition: (op) => op.type === "subscription",
          true: httpSubscriptionLink({ url: "/api/trpc", transformer: superjson }),
          false: httpBatchLink({ url: "/api/trpc", transformer: superjson, headers: ({ opList }) => sessionHeader(opList) }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
