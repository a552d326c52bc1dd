"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { EditSetup } from "@/components/setup-builder/edit-setup";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { diagnose } from "@/lib/setup/diagnose";
import { formatBytes, formatDuration } from "@/lib/starter-code";
import { useTRPC } from "@/lib/trpc/client";

const ACTIVE = new Set(["pending", "running"]);

/**
 * The setup's live status: polled while pending or running, still once it is done. Those who may
 * change the session edit its setup here (or add one), and retry a failed one.
 */
export function StatusPanel({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const session = useQuery({
    ...trpc.sessions.get.queryOptions({ id: sessionId }),
    refetchInterval: (query) => (ACTIVE.has(query.state.data?.setup_status ?? "") ? 1_000 : false),
  });
  const retry = useMutation(
    trpc.sessions.retrySetup.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) }),
    }),
  );
  const access = useQuery(trpc.sessions.access.queryOptions({ id: sessionId }));
  const [editing, setEditing] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const status = session.data?.setup_status;
  useEffect(() => {
    if (!status || !ACTIVE.has(status)) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [status]);

  const result = session.data?.setup_result;
  const canEdit = access.data?.write === true && !ACTIVE.has(status ?? "");
  const editor = editing && session.data && (
    <EditSetup sessionId={sessionId} spec={session.data.setup} onClose={() => setEditing(false)} />
  );
  const editButton = canEdit && !editing && (
    <Button onClick={() => setEditing(true)}>{result ? "Edit setup" : "Add a setup"}</Button>
  );
  if (!session.data || (!result && !editing && !canEdit)) return null;
  if (!result) {
    // No setup yet: only the way to add one.
    return (
      <section
        aria-label="Setup"
        data-testid="status-panel"
        className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900"
      >
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-stone-600 dark:text-stone-400">No setup: no packages installed.</p>
          {editButton}
        </div>
        {editor}
      </section>
    );
  }
  const started = result.started_at ? Date.parse(result.started_at) : Date.parse(result.queued_at);
  const elapsed = result.duration_ms ?? Math.max(0, now - started);
  const failedStep = result.steps.find((step) => step.status === "failed");
  // The lines that tell why, first; the whole log stays once, in the failed step above.
  const deciding = failedStep ? diagnose(failedStep.log).lines : [];

  return (
    <section
      aria-labelledby="setup-title"
      data-testid="status-panel"
      className="rounded-xl border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="setup-title" className="flex items-center gap-2 text-sm font-semibold">
          Setup <StatusBadge status={result.status} />
          {result.layer?.cache_hit && <StatusBadge status="completed" label="cache hit" />}
        </h2>
        <span className="flex items-center gap-3">
          <span className="text-xs text-stone-500 tabular-nums dark:text-stone-400">
            {formatDuration(elapsed)}
            {result.layer ? ` · layer ${formatBytes(result.layer.bytes)}, ${result.layer.files} files` : ""}
          </span>
          {editButton}
        </span>
      </div>
      {editor}
      <ol className="mt-3 space-y-1.5">
        {result.steps.map((step) => (
          <li key={step.name}>
            <details
              open={step.status === "running" || step.status === "failed"}
              className="group rounded-md border border-stone-100 dark:border-stone-800"
            >
              <summary className="flex cursor-pointer list-none items-center justify-between gap-2 px-2 py-1.5 text-sm">
                <span className="flex items-center gap-2">
                  <span className="font-mono">{step.name}</span>
                  <StatusBadge status={step.status} />
                </span>
                <span className="text-xs text-stone-600 tabular-nums dark:text-stone-400">
                  {step.duration_ms !== null ? formatDuration(step.duration_ms) : ""}
                </span>
              </summary>
              <pre className="max-h-48 overflow-auto border-t border-stone-100 px-2 py-1.5 font-mono text-xs whitespace-pre-wrap text-stone-600 dark:border-stone-800 dark:text-stone-300">
                {step.log || (step.status === "pending" ? "waiting…" : "no output")}
              </pre>
            </details>
          </li>
        ))}
      </ol>
      {result.status === "failed" && (
        <div
          role="alert"
          className="mt-3 space-y-2 rounded-md bg-red-50 p-3 text-sm text-red-900 dark:bg-red-950/40 dark:text-red-200"
        >
          <p className="font-medium" data-testid="setup-error">
            {result.error}
          </p>
          {deciding.length > 0 && (
            <pre data-testid="setup-deciding" className="overflow-auto font-mono text-xs whitespace-pre-wrap">
              {deciding.join("\n")}
            </pre>
          )}
          {failedStep ? (
            <p className="text-xs">Failed step: {failedStep.name} (its whole log is above)</p>
          ) : (
            result.stderr && <pre className="max-h-48 overflow-auto font-mono text-xs whitespace-pre-wrap">{result.stderr}</pre>
          )}
          <p className="text-xs">Runs keep the packages of the last setup that completed, if any, until one completes.</p>
          {access.data?.write === true && (
            <Button variant="danger" disabled={retry.isPending} onClick={() => retry.mutate({ id: sessionId })}>
              {retry.isPending ? "Retrying…" : "Retry setup"}
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
