"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTRPC } from "@/lib/trpc/client";
import { CopyButton } from "./share-link";

export type EmbedTheme = "auto" | "light" | "dark";

/** The iframe an author pastes into a page; theme and autorun ride in the link, the size on the frame. */
export function embedSnippet(url: string, options: { theme: EmbedTheme; autorun: boolean; height: number }): string {
  const params = new URLSearchParams();
  if (options.theme !== "auto") params.set("theme", options.theme);
  if (options.autorun) params.set("autorun", "1");
  const src = params.size > 0 ? `${url}?${params.toString()}` : url;
  return `<iframe src="${src}" width="100%" height="${options.height}" style="border:0" title="Code example"></iframe>`;
}

const field = "rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950";

/** What an embed link is made with: the file it shows and whether readers may edit it (kept by the server). */
export function EmbedChoiceFields({
  sessionId,
  path,
  editable,
  onChange,
}: {
  sessionId: string;
  path: string;
  editable: boolean;
  onChange: (choice: { path: string; editable: boolean }) => void;
}): ReactNode {
  const trpc = useTRPC();
  const files = useQuery(trpc.files.list.queryOptions({ id: sessionId, path: ".", recursive: true }));
  const choices = (files.data ?? []).filter((f) => f.type === "file" && !f.path.split("/").some((part) => part.startsWith(".")));
  return (
    <div className="flex w-full flex-wrap items-end gap-3" data-testid="embed-choice">
      <label className="flex flex-col gap-1">
        <span className="text-xs text-stone-600 dark:text-stone-400">File shown</span>
        <select value={path} onChange={(event) => onChange({ path: event.target.value, editable })} className={field}>
          <option value="">the entry file</option>
          {choices.map((file) => (
            <option key={file.path} value={file.path}>
              {file.path}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2 pb-1">
        <input type="checkbox" checked={editable} onChange={(event) => onChange({ path, editable: event.target.checked })} />
        <span>Readers may edit the code</span>
      </label>
    </div>
  );
}

/** An embed link's snippet with the choices that need no new link: theme, autorun and height. */
export function EmbedSnippet({ url }: { url: string }): ReactNode {
  const [theme, setTheme] = useState<EmbedTheme>("auto");
  const [autorun, setAutorun] = useState(false);
  const [height, setHeight] = useState(420);
  const snippet = embedSnippet(url, { theme, autorun, height });
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1">
          <span className="text-xs text-stone-600 dark:text-stone-400">Theme</span>
          <select value={theme} onChange={(event) => setTheme(event.target.value as EmbedTheme)} className={field}>
            <option value="auto">follow the reader&apos;s system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs text-stone-600 dark:text-stone-400">Height (px)</span>
          <input
            type="number"
            min={160}
            max={2000}
            step={20}
            value={height}
            onChange={(event) => setHeight(Math.min(2000, Math.max(160, Number(event.target.value) || 420)))}
            className={`${field} w-24`}
          />
        </label>
        <label className="flex items-center gap-2 pb-1">
          <input type="checkbox" checked={autorun} onChange={(event) => setAutorun(event.target.checked)} />
          <span>Run when shown</span>
        </label>
      </div>
      <span className="flex items-start gap-2">
        <textarea
          readOnly
          aria-label="Embed snippet"
          data-testid="embed-snippet"
          rows={2}
          value={snippet}
          className="w-full rounded-md border border-stone-300 bg-stone-50 px-2 py-1.5 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
        />
        <CopyButton text={snippet} label="Copy embed snippet" />
      </span>
    </div>
  );
}
