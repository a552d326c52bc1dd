"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";
import { ConfirmRevoke } from "./share-link";

type Copy = { id: string; name: string | null; sandbox: { state: string }; last_active_at: string };

/** One student's copy: their name (the teacher may correct it), when they were last active, open and remove. */
function CopyRow({ copy, onChanged }: { copy: Copy; onChanged: () => void }): ReactNode {
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(copy.name ?? "");
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
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    rename.mutate({ id: copy.id, name: draft });
  };
  return (
    <li
      className="rounded-md border border-stone-200 px-2 py-1 dark:border-stone-800"
      data-testid="class-copy"
      data-copy={copy.id}
    >
      {editing ? (
        <form onSubmit={submit} className="flex flex-wrap items-center gap-2">
          <label className="sr-only" htmlFor={`name-${copy.id}`}>
            Student name
          </label>
          <input
            id={`name-${copy.id}`}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            maxLength={80}
            autoFocus
            className="min-w-0 flex-1 rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950"
          />
          <Button type="submit" variant="primary" disabled={rename.isPending}>
            Save
          </Button>
          <Button variant="ghost" onClick={() => setEditing(false)}>
            Cancel
          </Button>
          {rename.isError && (
            <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300">
              {rename.error.message}
            </p>
          )}
        </form>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Link href={`/s/${copy.id}`} className="text-sm font-semibold underline" data-testid="class-copy-name">
            {label}
          </Link>
          <span className="mr-auto text-xs text-stone-600 dark:text-stone-400">
            sandbox {copy.sandbox.state} · active {new Date(copy.last_active_at).toLocaleTimeString()}
          </span>
          <Button
            variant="ghost"
            aria-label={`Rename ${label}`}
            onClick={() => {
              setDraft(copy.name ?? "");
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
            onRevoke={() => remove.mutate({ id: copy.id })}
          />
        </div>
      )}
    </li>
  );
}

/** The copies students made through the template's class links, by name, live. */
export function ClassCopies({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const forks = useQuery({ ...trpc.sessions.forks.queryOptions({ id: sessionId }), refetchInterval: 5_000 });
  const refresh = (): void => void queryClient.invalidateQueries({ queryKey: trpc.sessions.forks.queryKey({ id: sessionId }) });
  const copies = [...(forks.data ?? [])].sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
  return (
    <section aria-labelledby="class-title">
      <h3 id="class-title" className="text-xs font-semibold tracking-wide text-stone-600 uppercase dark:text-stone-400">
        Class copies ({copies.length})
      </h3>
      {copies.length === 0 ? (
        <p className="mt-2 text-xs text-stone-600 dark:text-stone-400">No student has joined yet.</p>
      ) : (
        <ul className="mt-2 space-y-1" data-testid="class-forks">
          {copies.map((copy) => (
            <CopyRow key={copy.id} copy={copy} onChanged={refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}
