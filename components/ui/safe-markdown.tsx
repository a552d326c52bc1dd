"use client";

import type { ReactNode } from "react";
import Markdown from "react-markdown";

/** Links open outside the IDE; only web and mail links are links at all. */
const safeUrl = (url: string): string => (/^(https?:|mailto:)/i.test(url) ? url : "");

/**
 * Markdown from a workspace or a program, rendered safely: raw HTML in it is shown as text and
 * images are not fetched, so it cannot make the page load anything.
 */
export function SafeMarkdown({ children }: { children: string }): ReactNode {
  return (
    <Markdown
      skipHtml
      urlTransform={safeUrl}
      disallowedElements={["img"]}
      unwrapDisallowed
      components={{
        a: ({ href, children: text }) => (
          <a href={href} target="_blank" rel="noreferrer noopener">
            {text}
          </a>
        ),
      }}
    >
      {children}
    </Markdown>
  );
}
