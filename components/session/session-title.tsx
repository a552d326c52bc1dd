"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { ConfirmRevoke } from "@/components/share/share-link";
import { Button } from "@/components/ui/button";
import { InlineRename } from "@/components/ui/inline-rename";
import { API_LIMITS } from "@/lib/limits";
import { useTRPC } from "@/lib/trpc/client";

/**
 * The session's name (its id until it has one), and for its owner: rename, duplicate and delete.
 * A name can be cleared again, which shows the id.
 */
export function SessionTitle({
  sessionId,
  name,
  canWrite,
}: {
  sessionId: string;
  name: string | null;
  canWrite: boolean;
}): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const rename = useMutation(
    trpc.sessions.update.mutationOptions({
      onSuccess: (session) => {
        queryClient.setQueryData(trpc.sessions.get.queryKey({ id: sessionId }), session);
        void queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() });
        setEditing(false);
      },
    }),
  );
  const duplicate = useMutation(trpc.sessions.fork.mutationOptions({ onSuccess: (copy) => router.push(`/s/${copy.id}`) }));
  const remove = useMutation(
    trpc.sessions.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() });
        router.push("/");
      },
    }),
  );

  if (editing)
    return (
      <InlineRename
        id="session-name"
        label="Session name"
        initial={name ?? ""}
        placeholder={sessionId}
        maxLength={API_LIMITS.nameChars}
        pending={rename.isPending}
        error={rename.error?.message}
        size="lg"
        // An empty name is cleared, which shows the id again.
        onSave={(draft) => rename.mutate({ id: sessionId, patch: { name: draft.trim() === "" ? null : draft.trim() } })}
        onCancel={() => setEditing(false)}
      />
    );

  return (
    <div className="flex min-w-0 flex-wrap items-center gap-2">
      <h1 className="min-w-0 truncate text-xl font-semibold" data-testid="session-title">
        {name ?? <span className="font-mono">{sessionId}</span>}
      </h1>
      {name && <span className="font-mono text-xs text-stone-600 dark:text-stone-400">{sessionId}</span>}
      {canWrite && (
        <span className="flex items-center gap-1">
          <Button
            variant="ghost"
            onClick={() => {
              rename.reset();
              setEditing(true);
            }}
          >
            Rename
          </Button>
          <Button variant="ghost" disabled={duplicate.isPending} onClick={() => duplicate.mutate({ id: sessionId })}>
            {duplicate.isPending ? "Duplicating…" : "Duplicate"}
          </Button>
          <ConfirmRevoke
            action="Delete"
            subject="this session"
            warning="Its files, runs and links are deleted for good."
            pending={remove.isPending}
            onRevoke={() => remove.mutate({ id: sessionId })}
          />
        </span>
      )}
      {(duplicate.isError || remove.isError) && (
        <p role="alert" className="w-full text-sm text-red-700 dark:text-red-300">
          {(duplicate.error ?? remove.error)?.message}
        </p>
      )}
    </div>
  );
}
