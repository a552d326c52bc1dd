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
import { CheckResults } from "@/components/classroom/check-results";
import { CopyChanges } from "./copy-changes";
import { ConfirmRevoke } from "./share-link";
import { CopyUpdate, PublishUpdate } from "./template-update";

const PASSING = "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200";
const FAILING = "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200";
const STATE_STYLE: Record<Copy["state"], string> = {
  "not started": "bg-stone-100 text-stone-700 dark:bg-stone-800 dark:text-stone-300",
  working: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  "last run passed": PASSING,
  "last run failed": FAILING,
  "checks passing": PASSING,
  "checks failing": FAILING,
};

function checkText(copy: Copy): string | null {
  const check = copy.check;
  if (!check) return null;
  if (check.status === "error") return `checks could not run ${time(check.created_at)}`;
  return `checks ${check.passed}/${check.passed + check.failed} at ${time(check.created_at)}`;
}

/** The teacher gives one student a deadline of their own (or back the class's). */
function DeadlineEditor({ copy, onChanged }: { copy: Copy; onChanged: () => void }): ReactNode {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  const set = useMutation(
    trpc.checks.setCopyDeadline.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        onChanged();
      },
    }),
  );
  const label = copy.name ?? "(no name)";
  if (!open)
    return (
      <Button
        variant="ghost"
        aria-label={`Deadline of ${label}`}
        onClick={() => {
          const start = copy.deadline ? new Date(copy.deadline) : new Date(Date.now() + 86_400_000);
          setValue(new Date(start.getTime() - start.getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
          setOpen(true);
        }}
      >
        Deadline
      </Button>
    );
  return (
    <span className="flex flex-wrap items-center gap-1 text-xs">
      <input
        type="datetime-local"
        aria-label={`New deadline for ${label}`}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        className="rounded-md border border-stone-300 bg-white px-1 py-0.5 dark:border-stone-700 dark:bg-stone-950"
      />
      <Button
        disabled={!value || set.isPending}
        onClick={() => set.mutate({ id: copy.session_id, deadline: new Date(value).toISOString() })}
      >
        Give this deadline
      </Button>
      {copy.own_deadline && (
        <Button variant="ghost" onClick={() => set.mutate({ id: copy.session_id, deadline: null })}>
          Back to the class&apos;s
        </Button>
      )}
      <Button variant="ghost" onClick={() => setOpen(false)}>
        Cancel
      </Button>
      {set.isError && <span role="alert">{set.error.message}</span>}
    </span>
  );
}

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
  const [checking, setChecking] = useState(false);
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
            {checkText(copy) && <span data-testid="class-copy-check"> · {checkText(copy)}</span>}
            {copy.deadline && (
              <span data-testid="class-copy-deadline">
                {" "}
                · due {new Date(copy.deadline).toLocaleString()}
                {copy.own_deadline ? " (their own)" : ""}
              </span>
            )}
          </span>
          {copy.check && (
            <Button
              variant="ghost"
              aria-expanded={checking}
              aria-label={`Check of ${label}`}
              onClick={() => setChecking((open) => !open)}
            >
              Check
            </Button>
          )}
          <DeadlineEditor copy={copy} onChanged={onChanged} />
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
      {checking && copy.check && (
        <div className="mt-2">
          <CheckResults check={copy.check} />
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
  const progress = useQuery({ ...trpc.checks.classProgress.queryOptions({ id: sessionId }), refetchInterval: 5_000 });
  const [sort, setSort] = useState<keyof typeof SORTS>("name");
  const [filter, setFilter] = useState("");
  const refresh = (): void =>
    void queryClient.invalidateQueries({ queryKey: trpc.checks.classProgress.queryKey({ id: sessionId }) });
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
            {all.some((c) => c.state === "working" || c.state.startsWith("checks"))
              ? `${counts("not started")} not started · ${counts("working")} working · ${counts("checks passing")} checks passing · ${counts("checks failing")} checks failing`
              : `${counts("not started")} not started · ${counts("last run passed")} passing · ${counts("last run failed")} failing`}
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
