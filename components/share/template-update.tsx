"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { CopyChanges } from "./copy-changes";
import { CONFLICT_REASONS, type CopyUpdateState, type PublishResult } from "@/lib/api/class-updates";
import { useTRPC } from "@/lib/trpc/client";

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`;
const time = (iso: string): string => new Date(iso).toLocaleTimeString();

/** The class's update state, shared by the publish button and every student's line (one query). */
function useClassUpdates(templateId: string) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.classroom.updates.queryOptions({ id: templateId }), refetchInterval: 5_000 });
}

function summary(result: PublishResult): string {
  const parts = [
    `Version ${result.version} published to ${plural(result.copies, "copy", "copies")}`,
    `${result.updated} updated (${plural(result.applied, "file")})`,
    plural(result.conflicts, "conflict"),
  ];
  if (result.failed > 0) parts.push(`${result.failed} could not be updated`);
  return `${parts.join(" · ")}.`;
}

/**
 * "Publish update" for a class's template: says what will happen and asks first, then what it did.
 * Students' copies receive the template's files as they are now wherever the student left them alone.
 */
export function PublishUpdate({ templateId, students }: { templateId: string; students: number }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const updates = useClassUpdates(templateId);
  const [confirming, setConfirming] = useState(false);
  const publish = useMutation(
    trpc.classroom.publish.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.classroom.updates.queryKey({ id: templateId }) });
      },
    }),
  );
  const published = updates.data?.published;
  return (
    <div className="space-y-1 rounded-md border border-stone-200 p-2 dark:border-stone-800" data-testid="publish-update">
      <div className="flex flex-wrap items-center gap-2">
        <span className="mr-auto text-xs text-stone-600 dark:text-stone-400" data-testid="published-version">
          {published
            ? `Version ${published.version} published at ${time(published.at)} (${plural(published.files, "file")})`
            : "No update published yet: copies hold the files they were made from."}
        </span>
        {!confirming && (
          <Button
            variant="primary"
            disabled={publish.isPending || students === 0}
            onClick={() => {
              publish.reset();
              setConfirming(true);
            }}
          >
            {publish.isPending ? "Publishing…" : "Publish update"}
          </Button>
        )}
      </div>
      {confirming && (
        <div role="group" aria-label="Confirm publish" className="space-y-2 text-xs">
          <p>
            Send this template&apos;s files as they are now to {plural(students, "student")}&apos; copies. New and changed files
            reach every copy where the student has not edited them; files you removed go where the student left them as they were.
            Files a student edited are left alone and shown here as conflicts.
          </p>
          <div className="flex gap-2">
            <Button variant="primary" disabled={publish.isPending} onClick={() => publish.mutate({ id: templateId })}>
              {publish.isPending ? "Publishing…" : "Yes, publish"}
            </Button>
            <Button variant="ghost" disabled={publish.isPending} onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {publish.data && (
        <p role="status" className="text-xs" data-testid="publish-result">
          {summary(publish.data)}
        </p>
      )}
      {publish.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {publish.error.message}
        </p>
      )}
    </div>
  );
}

const STATE_STYLE: Record<CopyUpdateState["state"], string> = {
  "up to date": "bg-stone-100 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
  behind: "bg-stone-100 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
  conflicts: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

function stateText(copy: CopyUpdateState): string {
  if (copy.state === "conflicts") return plural(copy.conflicts.length, "conflict");
  if (copy.state === "failed") return "update failed";
  if (copy.state === "behind") return "not updated yet";
  return "up to date";
}

/**
 * A student's line: where their copy stands against the last published update, the files an
 * update left alone and why, each with its diff against the template.
 */
export function CopyUpdate({ templateId, copyId, label }: { templateId: string; copyId: string; label: string }): ReactNode {
  const updates = useClassUpdates(templateId);
  const [open, setOpen] = useState<string | null>(null);
  const copy = updates.data?.copies.find((c) => c.session_id === copyId);
  // Before the first publish there is nothing to say about updates.
  if (!copy || !updates.data?.published) return null;
  return (
    <div className="mt-1 space-y-1" data-testid="copy-update">
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="text-stone-600 dark:text-stone-400">
          {copy.version > 0 ? `Template version ${copy.version}:` : "Template update:"}
        </span>
        <span className={`rounded-full px-2 py-0.5 ${STATE_STYLE[copy.state]}`} data-testid="copy-update-state">
          {stateText(copy)}
        </span>
        {copy.error && <span className="text-red-700 dark:text-red-300">{copy.error}</span>}
      </div>
      {copy.conflicts.length > 0 && (
        <ul className="space-y-1" aria-label={`Conflicts of ${label}`}>
          {copy.conflicts.map((conflict) => (
            <li key={conflict.path} className="text-xs" data-testid="copy-conflict">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-mono">{conflict.path}</span>
                <span className="text-stone-600 dark:text-stone-400">left alone: {CONFLICT_REASONS[conflict.reason]}</span>
                <Button
                  variant="ghost"
                  className="!px-2 !py-0.5 text-xs"
                  aria-expanded={open === conflict.path}
                  aria-label={`Diff of ${conflict.path} for ${label}`}
                  onClick={() => setOpen((now) => (now === conflict.path ? null : conflict.path))}
                >
                  Diff
                </Button>
              </div>
              {open === conflict.path && (
                <div className="mt-1">
                  <CopyChanges copyId={copyId} only={[conflict.path]} />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
