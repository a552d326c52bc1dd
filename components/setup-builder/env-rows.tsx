"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

export interface EnvRow {
  key: string;
  value: string;
  /** A variable of a stored setup: its value is not shown back, so it is entered again. */
  hidden?: boolean;
}

/** Setup-only env vars as key/value rows. */
export function EnvRows({ rows, onChange }: { rows: EnvRow[]; onChange: (rows: EnvRow[]) => void }): ReactNode {
  const update = (index: number, patch: Partial<EnvRow>): void =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset>
      <legend className="text-sm font-medium">Setup environment variables</legend>
      <p className="mt-0.5 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950/40 dark:text-amber-200">
        These exist only while the setup runs and are stored with the setup: do not put secrets here. Pass secrets with each run
        instead.
      </p>
      {rows.some((row) => row.hidden) && (
        <p className="mt-1 text-xs text-stone-600 dark:text-stone-400" data-testid="env-reentry">
          Stored values are not shown: enter the value of each variable again, or remove it.
        </p>
      )}
      <div className="mt-2 space-y-2">
        {rows.map((row, index) => (
          <div key={index} className="flex items-center gap-2">
            <input
              aria-label={`Variable ${index + 1} name`}
              value={row.key}
              onChange={(event) => update(index, { key: event.target.value })}
              placeholder="NAME"
              className="w-40 rounded-md border border-stone-300 bg-white px-2 py-1.5 font-mono text-sm dark:border-stone-700 dark:bg-stone-950"
            />
            <span className="text-stone-400">=</span>
            <input
              aria-label={`Variable ${index + 1} value`}
              value={row.value}
              onChange={(event) => update(index, { value: event.target.value })}
              placeholder={row.hidden ? "stored value hidden: enter it again" : "value"}
              className="flex-1 rounded-md border border-stone-300 bg-white px-2 py-1.5 font-mono text-sm dark:border-stone-700 dark:bg-stone-950"
            />
            <Button
              variant="ghost"
              aria-label={`Remove variable ${index + 1}`}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            >
              ×
            </Button>
          </div>
        ))}
      </div>
      <Button className="mt-2" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        + Add variable
      </Button>
    </fieldset>
  );
}
