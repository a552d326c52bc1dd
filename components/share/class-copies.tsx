"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { InlineRename } from "@/components/ui/inline-rename";
import { API_LIMITS } from "@/lib/limits";
import { useTRPC } from "@/lib/trpc/client";
import type { ClassProgress as Copy } from "./class-csv";
import { toCsv } from "./class-csv";
import { CopyChanges } from "./copy-changes";
import { ConfirmRevoke } from "./share-link";
import { CopyUpdate, PublishUpdate } from "./template-update";

const STATE_STYLE: Record<Copy["state"], string> = {
  "not started": "bg-stone-100 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
  "last run passed": "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  "last run failed": "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
};

const time = (iso: string): string => new Date(iso).toLocaleTimeString();

function lastRunText(copy: Copy): string {
  const run = copy.last_run;
  if (!run) return "no runs yet";
  const ending = run.timed_out ? "timed out" : `exit ${run.exit_code ?? "?"}`;
  return `${copy.runs} run${copy.runs === 1 ? "" : "s"} · last ${time(run.at)}, ${ending}`;
}

const SORTS = {
  name: (a: Copy, b: Copy) => (a.name ?? "").localeCompare(b.name ?? ""),
  "last active": (a: Copy, b: Copy) => b.last_active_at.localeCompare(a.last_active_at),
  state: (a: Copy, b: Copy) => a.state.localeCompare(b.state) || (a.name ?? "").localeCompare(b.name ?? ""),
} as const;

/** One student's copy: their name (the teacher may correct it), when they were last active, open and remove. */
function CopyRow({ copy, templateId, onChanged }: { copy: Copy; templateId: string; onChanged: () => void }): ReactNode {
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [comparing, setComparing] = useState(false);
  const rename = useMutation(
    trpc.sessions.renameCopy.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        onChanged();
      },
    }),
  );
  const remove = useMutation(trpc.sessions.removeCopy.mutationOptions({ onSuccess: onChanged }));
  const label = copy.name ?? "(no name)";
  return (
    <li
      className="rounded-md border border-stone-200 px-2 py-1 dark:border-stone-800"
      data-testid="class-copy"
      data-copy={copy.session_id}
    >
      {editing ? (
        <InlineRename
          id={`name-${copy.session_id}`}
          label="Student name"
          initial={copy.name ?? ""}
          maxLength={API_LIMITS.nameChars}
          pending={rename.isPending}
          error={rename.error?.message}
          onSave={(name) => rename.mutate({ id: copy.session_id, name })}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Link href={`/s/${copy.session_id}`} className="text-sm font-semibold underline" data-testid="class-copy-name">
            {label}
          </Link>
          <span className={`rounded-full px-2 py-0.5 text-xs ${STATE_STYLE[copy.state]}`} data-testid="class-copy-state">
            {copy.state}
          </span>
          <span className="mr-auto text-xs text-stone-600 dark:text-stone-400" data-testid="class-copy-runs">
            {lastRunText(copy)} · active {time(copy.last_active_at)}
          </span>
          <Button
            variant="ghost"
            aria-expanded={comparing}
            aria-label={`Changes of ${label}`}
            onClick={() => setComparing((open) => !open)}
          >
            Changes
          </Button>
          <Button
            variant="ghost"
            aria-label={`Rename ${label}`}
            onClick={() => {
              rename.reset();
              setEditing(true);
            }}
          >
            Rename
          </Button>
          <ConfirmRevoke
            action="Remove"
            subject={label}
            warning="Their copy and its files are deleted for good."
            pending={remove.isPending}
            onRevoke={() => remove.mutate({ id: copy.session_id })}
          />
        </div>
      )}
      <CopyUpdate templateId={templateId} copyId={copy.session_id} label={label} />
      {comparing && (
        <div className="mt-2">
          <CopyChanges copyId={copy.session_id} />
        </div>
      )}
    </li>
  );
}

/** The students of a template's class: name, standing and last run, live; sorted, filtered, exported. */
export function ClassCopies({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const progress = useQuery({ ...trpc.sessions.classProgress.queryOptions({ id: sessionId }), refetchInterval: 5_000 });
  const [sort, setSort] = useState<keyof typeof SORTS>("name");
  const [filter, setFilter] = useState("");
  const refresh = (): void =>
    void queryClient.invalidateQueries({ queryKey: trpc.sessions.classProgress.queryKey({ id: sessionId }) });
  const all = progress.data ?? [];
  const needle = filter.trim().toLowerCase();
  const copies = all
    .filter((c) => needle === "" || (c.name ?? "").toLowerCase().includes(needle) || c.state.includes(needle))
    .sort(SORTS[sort]);
  const exportCsv = (): void => {
    const url = URL.createObjectURL(new Blob([toCsv([...all].sort(SORTS.name))], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `class-${sessionId}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };
  const counts = (state: Copy["state"]): number => all.filter((c) => c.state === state).length;
  return (
    <section aria-labelledby="class-title" className="space-y-2">
      <h3 id="class-title" className="text-xs font-semibold tracking-wide text-stone-600 uppercase dark:text-stone-400">
        Class copies ({all.length})
      </h3>
      {all.length === 0 ? (
        <p className="text-xs text-stone-600 dark:text-stone-400">No student has joined yet.</p>
      ) : (
        <>
          <PublishUpdate templateId={sessionId} students={all.length} />
          <p className="text-xs text-stone-600 dark:text-stone-400" data-testid="class-summary">
            {counts("not started")} not started · {counts("last run passed")} passing · {counts("last run failed")} failing
          </p>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <label className="flex items-center gap-1">
              <span className="text-xs">Find</span>
              <input
                type="search"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                placeholder="name or state"
                className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950"
              />
            </label>
            <label className="flex items-center gap-1">
              <span className="text-xs">Sort by</span>
              <select
                value={sort}
                onChange={(event) => setSort(event.target.value as keyof typeof SORTS)}
                className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950"
              >
                {Object.keys(SORTS).map((key) => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            </label>
            <Button onClick={exportCsv}>Export CSV</Button>
          </div>
          <ul className="space-y-1" data-testid="class-forks">
            {copies.map((copy) => (
              <CopyRow key={copy.session_id} copy={copy} templateId={sessionId} onChanged={refresh} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
