"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { FEEDBACK_LABELS } from "@/lib/checks/assignment";
import { useTRPC } from "@/lib/trpc/client";
import { CheckResults } from "./check-results";

/** Whether the session offers Check (a class copy whose teacher set checks, or a template with checks). */
export function useCheckStatus(sessionId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.checks.status.queryOptions({ id: sessionId }));
}

/**
 * The Checks tab: the Check button, what the last check found, and the deadline. The tests run on
 * the server against a copy of the work; their files are never sent here.
 */
export function CheckPane({
  sessionId,
  request = 0,
  beforeCheck,
}: {
  sessionId: string;
  /** A check is run each time this number changes (the toolbar's Check button). */
  request?: number;
  /** Runs first: the open file is saved, so the check sees what the editor shows. */
  beforeCheck?: () => Promise<unknown>;
}): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useCheckStatus(sessionId);
  const check = useMutation(
    trpc.checks.run.mutationOptions({
      onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.checks.status.queryKey({ id: sessionId }) }),
    }),
  );
  const start = (): void =>
    void (beforeCheck?.() ?? Promise.resolve()).then(
      () => check.mutate({ id: sessionId }),
      () => check.mutate({ id: sessionId }),
    );
  const seen = useRef(request);
  useEffect(() => {
    if (request === seen.current) return;
    seen.current = request;
    start();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new request is the only trigger
  }, [request]);
  if (!status.data) return <p className="text-sm text-stone-600 dark:text-stone-400">Loading…</p>;
  const { available, deadline, closed, feedback } = status.data;
  const latest = check.data ?? status.data.latest;
  return (
    <div className="space-y-3" data-testid="check-pane">
      {deadline && (
        <p
          className={`rounded-md px-3 py-2 text-sm ${closed ? "bg-amber-50 text-amber-950 dark:bg-amber-950/40 dark:text-amber-100" : "text-stone-700 dark:text-stone-300"}`}
          data-testid="check-deadline"
        >
          {closed ? "The deadline passed on " : "Due "}
          <time dateTime={deadline}>{new Date(deadline).toLocaleString()}</time>
          {closed && ": your work is kept, read-only."}
        </p>
      )}
      {available ? (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <Button variant="primary" disabled={check.isPending} onClick={start}>
              {check.isPending ? "Checking…" : "✓ Check"}
            </Button>
            <span className="text-xs text-stone-600 dark:text-stone-400">
              Runs your teacher&apos;s tests on a copy of your work{feedback ? `; you see ${FEEDBACK_LABELS[feedback]}` : ""}.
            </span>
          </div>
          {check.isError && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {check.error.message}
            </p>
          )}
          {latest ? (
            <CheckResults check={latest} />
          ) : (
            <p className="text-sm text-stone-600 dark:text-stone-400">Not checked yet.</p>
          )}
        </>
      ) : (
        <p className="text-sm text-stone-600 dark:text-stone-400">This session has no checks.</p>
      )}
    </div>
  );
}
