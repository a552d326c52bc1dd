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
  // "allowed domains" picked while no domain is typed yet: shown, but nothing changes until one is.
  const [choosingAllow, setChoosingAllow] = useState(false);
  const mode = choosingAllow ? "allow" : modeOf(value);
  const commitAllow = (): void => {
    const allow = allowListOf(text);
    if (allow.length > 0) onChange({ allow });
  };
  const pick = (next: Mode): void => {
    setChoosingAllow(next === "allow");
    if (next === "allow") commitAllow();
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
          onBlur={commitAllow}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              commitAllow();
            }
          }}
          className="min-w-64 flex-1 rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
        />
      )}
      {mode === "allow" && typeof value === "string" && (
        <span className="text-xs text-stone-500 dark:text-stone-400">
          Type at least one domain; until then the network stays {value === "none" ? "off" : "on package registries"}.
        </span>
      )}
    </div>
  );
}
