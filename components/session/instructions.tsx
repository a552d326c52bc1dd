"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import Markdown from "react-markdown";
import { useTRPC } from "@/lib/trpc/client";

/** The file a session's instructions live in: a teacher's template carries it to every copy. */
export const INSTRUCTIONS_FILE = "README.md";

/** Links in instructions open outside the IDE; only web and mail links are links at all. */
const safeUrl = (url: string): string => (/^(https?:|mailto:)/i.test(url) ? url : "");

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
        <Markdown
          skipHtml
          urlTransform={safeUrl}
          disallowedElements={["img"]}
          unwrapDisallowed
          components={{
            a: ({ href, children }) => (
              <a href={href} target="_blank" rel="noreferrer noopener">
                {children}
              </a>
            ),
          }}
        >
          {readme.data.content}
        </Markdown>
      </div>
    </details>
  );
}
