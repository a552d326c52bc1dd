"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { LANGUAGES, type LanguageId } from "@/lib/languages";
import { useTRPC } from "@/lib/trpc/client";
import { buildSpec, EMPTY_SETUP_FIELDS, SetupFields, setupProblems, type SetupFieldsValue } from "./setup-fields";
import { EgressPicker } from "@/components/egress/egress-picker";
import type { EgressPolicy } from "@/lib/egress";

/** The form on the home page: a language and an optional setup, validated by the server's own schema. */
export function SetupBuilder(): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [language, setLanguage] = useState<LanguageId>("python");
  const [fields, setFields] = useState<SetupFieldsValue>(EMPTY_SETUP_FIELDS);
  const [problems, setProblems] = useState<string[]>([]);
  const [egress, setEgress] = useState<EgressPolicy>("none");

  const create = useMutation(
    trpc.sessions.create.mutationOptions({
      onSuccess: async (session) => {
        await queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() });
        router.push(`/s/${session.id}`);
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
    create.mutate({ language, setup: buildSpec(fields), persistent: true, egress });
  };

  return (
    <form
      onSubmit={submit}
      aria-labelledby="builder-title"
      className="space-y-6 rounded-xl border border-stone-200 bg-white p-5 shadow-sm dark:border-stone-800 dark:bg-stone-900"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="builder-title" className="text-lg font-semibold">
          New session
        </h2>
        <p className="text-xs text-stone-500 dark:text-stone-400">
          Packages are installed once and stored; the same setup is instant next time.
        </p>
      </div>

      <fieldset>
        <legend className="text-sm font-medium">Language</legend>
        <div className="mt-2 flex flex-wrap gap-2" role="radiogroup">
          {LANGUAGES.map((option) => (
            <label
              key={option.id}
              className={`cursor-pointer rounded-full border px-3 py-1 text-sm transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-sand-500 ${
                language === option.id
                  ? "border-sand-500 bg-sand-100 text-stone-900 dark:bg-sand-900/40 dark:text-sand-100"
                  : "border-stone-300 dark:border-stone-700"
              }`}
            >
              <input
                type="radio"
                name="language"
                value={option.id}
                checked={language === option.id}
                onChange={() => setLanguage(option.id)}
                className="sr-only"
              />
              {option.label}
            </label>
          ))}
        </div>
      </fieldset>

      <SetupFields value={fields} onChange={setFields} idPrefix="builder" />
      <EgressPicker idPrefix="builder" value={egress} onChange={setEgress} />

      {problems.length > 0 && (
        <ul role="alert" className="space-y-1 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}

      <div className="flex justify-end">
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create session"}
        </Button>
      </div>
    </form>
  );
}
