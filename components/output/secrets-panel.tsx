"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

export interface Secret {
  key: string;
  value: string;
}

/** Per-run env vars: sent with each run, kept only in this page's memory, never stored. */
export function SecretsPanel({ secrets, onChange }: { secrets: Secret[]; onChange: (secrets: Secret[]) => void }): ReactNode {
  const update = (index: number, patch: Partial<Secret>): void =>
    onChange(secrets.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  return (
    <details className="rounded-lg border border-stone-200 bg-white text-sm dark:border-stone-800 dark:bg-stone-900">
      <summary className="cursor-pointer px-3 py-2 font-medium">Secrets for runs ({secrets.filter((s) => s.key).length})</summary>
      <div className="space-y-2 border-t border-stone-100 p-3 dark:border-stone-800">
        <p className="text-xs text-stone-500 dark:text-stone-400">
          Sent as environment variables with each run. Never stored: they are gone when you reload.
        </p>
        {secrets.map((secret, index) => (
          <div key={index} className="flex gap-2">
            <input
              aria-label={`Secret ${index + 1} name`}
              value={secret.key}
              onChange={(event) => update(index, { key: event.target.value })}
              placeholder="API_KEY"
              className="w-32 rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
            />
            <input
              aria-label={`Secret ${index + 1} value`}
              type="password"
              value={secret.value}
              onChange={(event) => update(index, { value: event.target.value })}
              className="min-w-0 flex-1 rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
            />
            <Button
              variant="ghost"
              aria-label={`Remove secret ${index + 1}`}
              onClick={() => onChange(secrets.filter((_, i) => i !== index))}
            >
              ×
            </Button>
          </div>
        ))}
        <Button onClick={() => onChange([...secrets, { key: "", value: "" }])}>+ Add secret</Button>
      </div>
    </details>
  );
}
