"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "./button";

/**
 * A name edited in place: a labelled field with Save and Cancel, Escape to cancel, and the
 * server's refusal shown under it. The caller decides what an empty name means.
 */
export function InlineRename({
  id,
  label,
  initial,
  placeholder,
  maxLength,
  pending,
  error,
  onSave,
  onCancel,
  size = "sm",
}: {
  /** The field's id, unique on the page. */
  id: string;
  /** What the field names, for screen readers. */
  label: string;
  initial: string;
  placeholder?: string;
  maxLength: number;
  pending: boolean;
  error?: string;
  onSave: (value: string) => void;
  onCancel: () => void;
  size?: "sm" | "lg";
}): ReactNode {
  const [draft, setDraft] = useState(initial);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSave(draft);
  };
  return (
    <form onSubmit={submit} className="flex min-w-0 flex-wrap items-center gap-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <input
        id={id}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        maxLength={maxLength}
        placeholder={placeholder}
        autoFocus
        onKeyDown={(event) => {
          if (event.key === "Escape") onCancel();
        }}
        className={`min-w-0 rounded-md border border-stone-300 bg-white px-2 py-1 dark:border-stone-700 dark:bg-stone-950 ${
          size === "lg" ? "text-lg font-semibold" : "flex-1 text-sm"
        }`}
      />
      <Button type="submit" variant="primary" disabled={pending}>
        Save
      </Button>
      <Button variant="ghost" onClick={onCancel}>
        Cancel
      </Button>
      {error && (
        <p role="alert" className={`w-full text-red-700 dark:text-red-300 ${size === "lg" ? "text-sm" : "text-xs"}`}>
          {error}
        </p>
      )}
    </form>
  );
}
