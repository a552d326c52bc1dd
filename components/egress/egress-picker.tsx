"use client";

import { useState, type ReactNode } from "react";
import type { EgressPolicy } from "@/lib/egress";

type Mode = "none" | "registries" | "allow";

function modeOf(policy: EgressPolicy): Mode {
  return typeof policy === "string" ? policy : "allow";
}

/** Parses the allow-list text (commas, spaces or lines between patterns); the server checks each one. */
export function allowListOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Network access of a session: none, package registries, or an allow-list of domains. */
export function EgressPicker({
  value,
  onChange,
  disabled,
  idPrefix,
}: {
  value: EgressPolicy;
  onChange: (policy: EgressPolicy) => void;
  disabled?: boolean;
  idPrefix: string;
}): ReactNode {
  const [text, setText] = useState(typeof value === "string" ? "" : value.allow.join(", "));
  const mode = modeOf(value);
  const pick = (next: Mode): void => {
    if (next === "allow") onChange({ allow: allowListOf(text) });
    else onChange(next);
  };
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <label htmlFor={`${idPrefix}-egress`} className="font-medium">
        Network
      </label>
      <select
        id={`${idPrefix}-egress`}
        value={mode}
        disabled={disabled}
        onChange={(event) => pick(event.target.value as Mode)}
        className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950"
      >
        <option value="none">none</option>
        <option value="registries">package registries</option>
        <option value="allow">allowed domains…</option>
      </select>
      {mode === "allow" && (
        <input
          aria-label="Allowed domains"
          value={text}
          disabled={disabled}
          placeholder="api.example.com, *.example.org:8443"
          onChange={(event) => setText(event.target.value)}
          onBlur={() => onChange({ allow: allowListOf(text) })}
          className="min-w-64 flex-1 rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
        />
      )}
    </div>
  );
}
