"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import type { SetupSpec } from "@/lib/setup/spec";
import { useTRPC } from "@/lib/trpc/client";
import { buildSpec, fieldsFromSpec, SetupFields, setupProblems, type SetupFieldsValue } from "./setup-fields";

/**
 * The setup builder for an existing session, filled in with its current setup. Submitting runs the
 * new setup as a new layer; runs keep the current one until it completes, and files stay as they are.
 */
export function EditSetup({
  sessionId,
  spec,
  onClose,
}: {
  sessionId: string;
  spec: SetupSpec | null;
  onClose: () => void;
}): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState<SetupFieldsValue>(() => fieldsFromSpec(spec));
  const [problems, setProblems] = useState<string[]>([]);
  const edit = useMutation(
    trpc.sessions.editSetup.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) });
        onClose();
      },
      onError: (error) => {
        const details =
          error instanceof TRPCClientError ? (error.data as { details?: string[] | null } | undefined)?.details : undefined;
        setProblems(details && details.length > 0 ? details : [error.message]);
      },
    }),
  );

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const found = setupProblems(fields);
    setProblems(found);
    if (found.length > 0) return;
    edit.mutate({ id: sessionId, setup: buildSpec(fields) ?? {} });
  };

  return (
    <form
      onSubmit={submit}
      aria-labelledby="edit-setup-title"
      data-testid="edit-setup"
      className="mt-3 space-y-5 border-b border-stone-200 pb-4 dark:border-stone-800"
    >
      <div>
        <h3 id="edit-setup-title" className="text-sm font-semibold">
          Edit setup
        </h3>
        <p className="text-xs text-stone-600 dark:text-stone-400">
          The new setup runs as a new layer. Until it completes, runs keep the current packages; then the sandbox restarts with
          the new ones (running programs and terminals stop). Your files stay as they are.
        </p>
      </div>
      <SetupFields value={fields} onChange={setFields} idPrefix={`edit-${sessionId}`} />
      {problems.length > 0 && (
        <ul role="alert" className="space-y-1 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={edit.isPending}>
          {edit.isPending ? "Starting…" : "Run new setup"}
        </Button>
      </div>
    </form>
  );
}
