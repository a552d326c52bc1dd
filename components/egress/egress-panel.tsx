"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState, type ReactNode } from "react";
import { formatBytes } from "@/lib/starter-code";
import { useTRPC } from "@/lib/trpc/client";
import { BoundSecrets } from "./bound-secrets";
import { EgressPicker } from "./egress-picker";

/** The session's network setting, changeable while it runs, the bytes its sandbox moved, and its bound secrets. */
export function EgressPanel({ sessionId, readOnly }: { sessionId: string; readOnly: boolean }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const session = useQuery(trpc.sessions.get.queryOptions({ id: sessionId }));
  const [problem, setProblem] = useState<string | undefined>();
  const update = useMutation(
    trpc.sessions.update.mutationOptions({
      onSuccess: () => {
        setProblem(undefined);
        return queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) });
      },
      onError: (error) => {
        const details =
          error instanceof TRPCClientError ? (error.data as { details?: string[] | null } | undefined)?.details : undefined;
        setProblem(details?.join("; ") || error.message);
      },
    }),
  );
  if (!session.data) return null;
  const usage = session.data.egress_usage;
  return (
    <section aria-label="Network" data-testid="egress-panel" className="flex flex-wrap items-center gap-3">
      <EgressPicker
        idPrefix={`session-${sessionId}`}
        value={session.data.egress}
        disabled={readOnly || update.isPending}
        onChange={(egress) => update.mutate({ id: sessionId, patch: { egress } })}
      />
      {session.data.egress !== "none" && (
        <span className="text-xs text-stone-500 tabular-nums dark:text-stone-400">
          ↓ {formatBytes(usage.bytes_in)} · ↑ {formatBytes(usage.bytes_out)}
          {usage.denied > 0 ? ` · ${usage.denied} denied` : ""}
        </span>
      )}
      {session.data.egress_status.problem && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {session.data.egress_status.problem}
        </span>
      )}
      <BoundSecrets secrets={session.data.egress_secrets} />
      {problem && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {problem}
        </span>
      )}
    </section>
  );
}
