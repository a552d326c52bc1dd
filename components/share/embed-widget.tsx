"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { CodeEditor } from "@/components/editor/code-editor";
import { Button } from "@/components/ui/button";
import { LANGUAGES } from "@/lib/languages";
import { useTRPC } from "@/lib/trpc/client";
import type { EmbedTheme } from "./embed-options";

/** Applies the theme the embedding page asked for, over the reader's own Sandpit preference. */
function useEmbedTheme(theme: EmbedTheme): void {
  useEffect(() => {
    const root = document.documentElement;
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const apply = (): void => {
      root.classList.toggle("dark", theme === "dark" || (theme === "auto" && media.matches));
    };
    apply();
    media.addEventListener("change", apply);
    return () => media.removeEventListener("change", apply);
  }, [theme]);
}

/**
 * A small editor and Run button for docs and course pages (an embed link). Each run uses a
 * throwaway fork. The author chose the file and whether it is editable (kept with the link); the
 * page chose theme and autorun (in the link's query). Reset brings back the original code.
 */
export function EmbedWidget({ token, theme, autorun }: { token: string; theme: EmbedTheme; autorun: boolean }): ReactNode {
  const trpc = useTRPC();
  useEmbedTheme(theme);
  const info = useQuery({ ...trpc.shares.embed.queryOptions({ token }), retry: false });
  const [code, setCode] = useState<string | null>(null);
  const run = useMutation(trpc.shares.embedRun.mutationOptions());
  const autoran = useRef(false);
  const original = info.data?.code;
  const { mutate } = run;
  useEffect(() => {
    if (!autorun || autoran.current || original === undefined) return;
    autoran.current = true;
    mutate({ token, code: original });
  }, [autorun, original, mutate, token]);

  if (info.isError) return <p className="p-4 text-sm text-red-700 dark:text-red-300">{info.error.message}</p>;
  if (!info.data) return <p className="p-4 text-sm text-stone-600 dark:text-stone-400">Loading…</p>;
  const current = code ?? info.data.code;
  const changed = current !== info.data.code;
  const language = LANGUAGES.find((l) => l.id === info.data.language);
  const submit = (): void => run.mutate({ token, code: current });
  const name = info.data.path?.split("/").at(-1) ?? `main.${language?.extensions[0] ?? "txt"}`;
  return (
    <div className="flex h-screen flex-col gap-2 p-2" data-testid="embed">
      <div className="flex items-center justify-between gap-2 text-xs text-stone-600 dark:text-stone-400">
        <span className="min-w-0 truncate">
          <span className="font-mono" data-testid="embed-file">
            {name}
          </span>{" "}
          · {language?.label}
          {info.data.editable ? "" : " · read-only"} ·{" "}
          <a href="/" target="_blank" rel="noreferrer" className="underline">
            Sandpit
          </a>
        </span>
        <span className="flex gap-2">
          {changed && (
            <Button variant="ghost" onClick={() => setCode(null)}>
              Reset
            </Button>
          )}
          <Button variant="primary" onClick={submit} disabled={run.isPending}>
            {run.isPending ? "Running…" : "▶ Run"}
          </Button>
        </span>
      </div>
      <div className="min-h-0 flex-1 overflow-hidden rounded border border-stone-200 dark:border-stone-800">
        <CodeEditor
          value={current}
          language={language?.monaco ?? "plaintext"}
          path={`embed/${name}`}
          onChange={setCode}
          onRun={submit}
          onSave={submit}
          readOnly={!info.data.editable}
        />
      </div>
      <pre
        data-testid="embed-output"
        aria-live="polite"
        className="h-32 overflow-auto rounded bg-stone-950 p-2 font-mono text-xs whitespace-pre-wrap text-stone-100"
      >
        {run.isError && <span className="text-red-300">{run.error.message}</span>}
        {run.data && (
          <>
            {run.data.stdout}
            <span className="text-red-300">{run.data.stderr}</span>
            <span className="text-stone-400">{`\n[exit ${run.data.exit_code}]`}</span>
          </>
        )}
      </pre>
    </div>
  );
}
