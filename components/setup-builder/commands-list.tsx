"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

/** Setup commands as an ordered, editable list. */
export function CommandsList({ commands, onChange }: { commands: string[]; onChange: (commands: string[]) => void }): ReactNode {
  const move = (from: number, to: number): void => {
    const next = [...commands];
    const [item] = next.splice(from, 1);
    if (item !== undefined) next.splice(to, 0, item);
    onChange(next);
  };
  return (
    <fieldset>
      <legend className="text-sm font-medium">Commands</legend>
      <p className="text-xs text-stone-500 dark:text-stone-400">
        Run in order in /workspace after the packages; files they write there are kept.
      </p>
      <ol className="mt-2 space-y-2">
        {commands.map((command, index) => (
          <li key={index} className="flex items-center gap-2">
            <span className="w-5 text-right text-xs text-stone-400">{index + 1}.</span>
            <input
              aria-label={`Command ${index + 1}`}
              value={command}
              onChange={(event) => onChange(commands.map((c, i) => (i === index ? event.target.value : c)))}
              placeholder="mkdir -p data && echo hello > data/greeting.txt"
              className="flex-1 rounded-md border border-stone-300 bg-white px-2 py-1.5 font-mono text-sm dark:border-stone-700 dark:bg-stone-950"
            />
            <Button
              variant="ghost"
              aria-label={`Move command ${index + 1} up`}
              disabled={index === 0}
              onClick={() => move(index, index - 1)}
            >
              ↑
            </Button>
            <Button
              variant="ghost"
              aria-label={`Move command ${index + 1} down`}
              disabled={index === commands.length - 1}
              onClick={() => move(index, index + 1)}
            >
              ↓
            </Button>
            <Button
              variant="ghost"
              aria-label={`Remove command ${index + 1}`}
              onClick={() => onChange(commands.filter((_, i) => i !== index))}
            >
              ×
            </Button>
          </li>
        ))}
      </ol>
      <Button className="mt-2" onClick={() => onChange([...commands, ""])}>
        + Add command
      </Button>
    </fieldset>
  );
}
