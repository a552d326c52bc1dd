"use client";

import { useId, useState, type KeyboardEvent, type ReactNode } from "react";
import type { z } from "zod";

/** Package names as chips, each checked against its ecosystem's schema as it is typed. */
export function ChipsInput({
  label,
  placeholder,
  values,
  onChange,
  schema,
  hint,
  action,
}: {
  label: string;
  placeholder: string;
  values: string[];
  onChange: (values: string[]) => void;
  schema: z.ZodType;
  hint?: string;
  /** Controls shown at the right of the label (the pip mode switch). */
  action?: ReactNode;
}): ReactNode {
  const id = useId();
  const [draft, setDraft] = useState("");
  const parsed = draft.trim() ? schema.safeParse(draft.trim()) : undefined;
  const error = parsed && !parsed.success ? parsed.error.issues[0]?.message : undefined;

  const add = (): void => {
    const value = draft.trim();
    if (!value || error) return;
    if (!values.includes(value)) onChange([...values, value]);
    setDraft("");
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && draft === "" && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  };

  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        {action}
      </div>
      <div className="mt-1 flex min-h-10 flex-wrap items-center gap-1.5 rounded-md border border-stone-300 bg-white px-2 py-1.5 focus-within:border-sand-500 dark:border-stone-700 dark:bg-stone-950">
        {values.map((value) => (
          <span
            key={value}
            className="inline-flex items-center gap-1 rounded bg-stone-100 px-2 py-0.5 font-mono text-xs dark:bg-stone-800"
          >
            {value}
            <button
              type="button"
              aria-label={`Remove ${value}`}
              className="text-stone-600 hover:text-red-600 dark:text-stone-400"
              onClick={() => onChange(values.filter((v) => v !== value))}
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={id}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKey}
          onBlur={add}
          placeholder={values.length === 0 ? placeholder : ""}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-help`}
          className="min-w-32 flex-1 bg-transparent font-mono text-sm outline-none"
        />
      </div>
      <p
        id={`${id}-help`}
        className={`mt-1 min-h-4 text-xs ${error ? "text-red-600 dark:text-red-400" : "text-stone-500 dark:text-stone-400"}`}
      >
        {error ?? hint ?? "Enter to add"}
      </p>
    </div>
  );
}
