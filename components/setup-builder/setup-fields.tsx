"use client";

import type { ReactNode } from "react";
import { goModule, normalizeSetup, npmPackage, pipPackage, setupSpecSchema, type SetupSpec } from "@/lib/setup/spec";
import { ChipsInput } from "./chips-input";
import { CommandsList } from "./commands-list";
import { EnvRows, type EnvRow } from "./env-rows";

/** What the setup form holds: packages per ecosystem, commands and setup-only env vars. */
export interface SetupFieldsValue {
  pipMode: "list" | "file";
  pip: string[];
  requirements: string;
  npm: string[];
  go: string[];
  commands: string[];
  envs: EnvRow[];
}

export const EMPTY_SETUP_FIELDS: SetupFieldsValue = {
  pipMode: "list",
  pip: [],
  requirements: "",
  npm: [],
  go: [],
  commands: [],
  envs: [],
};

/**
 * The form filled in from a session's setup as the API shows it. Env values are never shown
 * back (they read "[hidden]"): their names come back, each to be given again.
 */
export function fieldsFromSpec(spec: SetupSpec | null | undefined): SetupFieldsValue {
  if (!spec) return EMPTY_SETUP_FIELDS;
  const normalized = normalizeSetup(spec);
  const requirements = spec.pip !== undefined && !Array.isArray(spec.pip) ? spec.pip.requirements : undefined;
  return {
    pipMode: requirements !== undefined ? "file" : "list",
    pip: Array.isArray(spec.pip) ? spec.pip : [],
    requirements: requirements ?? "",
    // A package.json's dependencies become "name@range" entries: the same packages, the same layer.
    npm: Array.isArray(spec.npm) ? spec.npm : normalized.npm,
    go: spec.go ?? [],
    commands: spec.commands ?? [],
    envs: Object.keys(spec.envs ?? {}).map((key) => ({ key, value: "", hidden: true })),
  };
}

/** The spec the form stands for; undefined when it names nothing. */
export function buildSpec(state: SetupFieldsValue): SetupSpec | undefined {
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

/** What to fix before sending, checked with the server's own schema; none when the form is fine. */
export function setupProblems(state: SetupFieldsValue): string[] {
  const unset = state.envs.filter((row) => row.hidden && row.value === "" && row.key.trim());
  if (unset.length > 0)
    return unset.map((row) => `${row.key}: enter its value again (stored values are not shown), or remove the variable`);
  const setup = buildSpec(state);
  if (!setup) return [];
  const parsed = setupSpecSchema.safeParse(setup);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`);
}

/** The setup's fields: pip (a list or a requirements.txt), npm, Go, commands and setup env vars. */
export function SetupFields({
  value,
  onChange,
  idPrefix,
}: {
  value: SetupFieldsValue;
  onChange: (value: SetupFieldsValue) => void;
  idPrefix: string;
}): ReactNode {
  const set = (patch: Partial<SetupFieldsValue>): void => onChange({ ...value, ...patch });
  const pipSwitch = (
    <span className="flex gap-1 text-xs">
      <button
        type="button"
        onClick={() => set({ pipMode: "list" })}
        aria-pressed={value.pipMode === "list"}
        className={value.pipMode === "list" ? "font-semibold" : "text-stone-600 dark:text-stone-400"}
      >
        list
      </button>
      <span className="text-stone-400">·</span>
      <button
        type="button"
        onClick={() => set({ pipMode: "file" })}
        aria-pressed={value.pipMode === "file"}
        className={value.pipMode === "file" ? "font-semibold" : "text-stone-600 dark:text-stone-400"}
      >
        requirements.txt
      </button>
    </span>
  );

  return (
    <>
      <div className="grid gap-4 md:grid-cols-3">
        {value.pipMode === "list" ? (
          <ChipsInput
            label="pip packages"
            placeholder="requests>=2.28"
            values={value.pip}
            onChange={(pip) => set({ pip })}
            schema={pipPackage}
            action={pipSwitch}
          />
        ) : (
          <div>
            <div className="flex items-baseline justify-between gap-2">
              <label htmlFor={`${idPrefix}-requirements`} className="text-sm font-medium">
                requirements.txt
              </label>
              {pipSwitch}
            </div>
            <textarea
              id={`${idPrefix}-requirements`}
              value={value.requirements}
              onChange={(event) => set({ requirements: event.target.value })}
              rows={4}
              placeholder={"requests>=2.28.0\nnumpy"}
              className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-2 py-1.5 font-mono text-sm dark:border-stone-700 dark:bg-stone-950"
            />
          </div>
        )}
        <ChipsInput
          label="npm packages"
          placeholder="lodash@^4"
          values={value.npm}
          onChange={(npm) => set({ npm })}
          schema={npmPackage}
        />
        <ChipsInput
          label="Go modules"
          placeholder="github.com/google/uuid"
          values={value.go}
          onChange={(go) => set({ go })}
          schema={goModule}
        />
      </div>
      <CommandsList commands={value.commands} onChange={(commands) => set({ commands })} />
      <EnvRows rows={value.envs} onChange={(envs) => set({ envs })} />
    </>
  );
}
