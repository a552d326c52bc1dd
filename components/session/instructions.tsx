"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { SafeMarkdown } from "@/components/ui/safe-markdown";
import { useTRPC } from "@/lib/trpc/client";

/** The file a session's instructions live in: a teacher's template carries it to every copy. */
export const INSTRUCTIONS_FILE = "README.md";

/**
 * The session's README.md rendered beside the editor, when it has one. Markdown only: raw HTML in
 * it is shown as text, and images are not fetched (a README cannot make the page load anything).
 */
export function Instructions({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const files = useQuery(trpc.files.list.queryOptions({ id: sessionId, path: ".", recursive: true }));
  const present = files.data?.some((entry) => entry.path === INSTRUCTIONS_FILE) === true;
  const readme = useQuery({
    ...trpc.files.read.queryOptions({ id: sessionId, path: INSTRUCTIONS_FILE }),
    enabled: present,
  });
  if (!present || !readme.data || readme.data.encoding !== "utf8") return null;
  return (
    <details
      open
      className="rounded-lg border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900"
      data-testid="instructions"
    >
      <summary className="cursor-pointer px-4 py-2 text-sm font-semibold">Instructions</summary>
      <div className="instructions max-h-80 overflow-auto px-4 pb-4 text-sm leading-relaxed">
        <SafeMarkdown>{readme.data.content}</SafeMarkdown>
      </div>
    </details>
  );
}
