"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { LANGUAGES, type LanguageId } from "@/lib/languages";
import { goModule, npmPackage, pipPackage, setupSpecSchema, type SetupSpec } from "@/lib/setup/spec";
import { useTRPC } from "@/lib/trpc/client";
import { ChipsInput } from "./chips-input";
import { CommandsList } from "./commands-list";
import { EnvRows, type EnvRow } from "./env-rows";
import { EgressPicker } from "@/components/egress/egress-picker";
import type { EgressPolicy } from "@/lib/egress";

function buildSpec(state: {
  pip: string[];
  requirements: string;
  pipMode: "list" | "file";
  npm: string[];
  go: string[];
  commands: string[];
  envs: EnvRow[];
}): SetupSpec | undefined {
  const spec: SetupSpec = {};
  if (state.pipMode === "list" && state.pip.length > 0) spec.pip = state.pip;
  if (state.pipMode === "file" && state.requirements.trim()) spec.pip = { requirements: state.requirements };
  if (state.npm.length > 0) spec.npm = state.npm;
  if (state.go.length > 0) spec.go = state.go;
  const commands = state.commands.map((c) => c.trim()).filter(Boolean);
  if (commands.length > 0) spec.commands = commands;
  const envs = state.envs.filter((row) => row.key.trim() || row.value);
  if (envs.length > 0) spec.envs = Object.fromEntries(envs.map((row) => [row.key.trim(), row.value]));
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** The form on the home page: a language and an optional setup, validated by the server's own schema. */
export function SetupBuilder(): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [language, setLanguage] = useState<LanguageId>("python");
  const [pipMode, setPipMode] = useState<"list" | "file">("list");
  const [pip, setPip] = useState<string[]>([]);
  const [requirements, setRequirements] = useState("");
  const [npm, setNpm] = useState<string[]>([]);
  const [go, setGo] = useState<string[]>([]);
  const [commands, setCommands] = useState<string[]>([]);
  const [envs, setEnvs] = useState<EnvRow[]>([]);
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

  const pipSwitch = (
    <span className="flex gap-1 text-xs">
      <button
        type="button"
        onClick={() => setPipMode("list")}
        aria-pressed={pipMode === "list"}
        className={pipMode === "list" ? "font-semibold" : "text-stone-600 dark:text-stone-400"}
      >
        list
      </button>
      <span className="text-stone-400">·</span>
      <button
        type="button"
        onClick={() => setPipMode("file")}
        aria-pressed={pipMode === "file"}
        className={pipMode === "file" ? "font-semibold" : "text-stone-600 dark:text-stone-400"}
      >
        requirements.txt
      </button>
    </span>
  );

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const setup = buildSpec({ pip, requirements, pipMode, npm, go, commands, envs });
    if (setup) {
      const parsed = setupSpecSchema.safeParse(setup);
      if (!parsed.success) {
        setProblems(parsed.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`));
        return;
      }
    }
    setProblems([]);
    create.mutate({ language, setup, persistent: true, egress });
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

      <div className="grid gap-4 md:grid-cols-3">
        {pipMode === "list" ? (
          <ChipsInput
            label="pip packages"
            placeholder="requests>=2.28"
            values={pip}
            onChange={setPip}
            schema={pipPackage}
            action={pipSwitch}
          />
        ) : (
          <div>
            <div className="flex items-baseline justify-between gap-2">
              <label htmlFor="requirements" className="text-sm font-medium">
                requirements.txt
              </label>
              {pipSwitch}
            </div>
            <textarea
              id="requirements"
              value={requirements}
              onChange={(event) => setRequirements(event.target.value)}
              rows={4}
              placeholder={"requests>=2.28.0\nnumpy"}
              className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-2 py-1.5 font-mono text-sm dark:border-stone-700 dark:bg-stone-950"
            />
          </div>
        )}
        <ChipsInput label="npm packages" placeholder="lodash@^4" values={npm} onChange={setNpm} schema={npmPackage} />
        <ChipsInput label="Go modules" placeholder="github.com/google/uuid" values={go} onChange={setGo} schema={goModule} />
      </div>

      <CommandsList commands={commands} onChange={setCommands} />
      <EnvRows rows={envs} onChange={setEnvs} />
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
