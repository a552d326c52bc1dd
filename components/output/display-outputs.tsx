"use client";

import type { ReactNode } from "react";
import { SafeMarkdown } from "@/components/ui/safe-markdown";

export interface DisplayOutput {
  mime: string;
  /** base64 */
  data: string;
}

function text(data: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
}

/**
 * What a run showed besides its text: images (SVG too, as an image, so its scripts never run),
 * HTML in a frame with no scripts, forms or same-origin rights, Markdown rendered safely.
 */
export function DisplayOutputs({ outputs, skipped }: { outputs: DisplayOutput[]; skipped?: number }): ReactNode {
  if (outputs.length === 0 && !skipped) return null;
  return (
    <div data-testid="display-outputs" className="space-y-3 border-t border-stone-800 bg-white p-3 text-stone-900">
      {outputs.map((output, index) => {
        const key = `${index}-${output.mime}`;
        if (output.mime.startsWith("image/"))
          return (
            // eslint-disable-next-line @next/next/no-img-element -- a data: URL from the run, not an asset to optimise
            <img
              key={key}
              src={`data:${output.mime};base64,${output.data}`}
              alt={`Image ${index + 1} shown by the run`}
              data-testid="display-image"
              className="max-h-[32rem] max-w-full"
            />
          );
        if (output.mime === "text/html")
          return (
            <iframe
              key={key}
              sandbox=""
              srcDoc={text(output.data)}
              title={`HTML ${index + 1} shown by the run`}
              data-testid="display-html"
              className="h-64 w-full rounded border border-stone-200"
            />
          );
        if (output.mime === "text/markdown")
          return (
            <div key={key} data-testid="display-markdown" className="instructions text-sm leading-relaxed">
              <SafeMarkdown>{text(output.data)}</SafeMarkdown>
            </div>
          );
        return (
          <pre key={key} data-testid="display-text" className="text-sm whitespace-pre-wrap">
            {text(output.data)}
          </pre>
        );
      })}
      {skipped ? (
        <p className="text-xs text-amber-800">
          {skipped} more item{skipped === 1 ? " was" : "s were"} left out: at most 16 items, 2 MiB each and 8 MiB in all, of the
          kinds png, jpg, gif, webp, svg, html, md and txt.
        </p>
      ) : null}
    </div>
  );
}
