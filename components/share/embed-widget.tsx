"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { CodeEditor } from "@/components/editor/code-editor";
import { Button } from "@/components/ui/button";
import { LANGUAGES } from "@/lib/languages";
import { useTRPC } from "@/lib/trpc/client";

/** A minimal editor and run button for docs and course pages (an embed link); each run uses a throwaway fork. */
export function EmbedWidget({ token }: { token: string }): ReactNode {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.shares.embed.queryOptions({ token }), retry: false });
  const [code, setCode] = useState<string | null>(null);
  const run = useMutation(trpc.shares.embedRun.mutationOptions());
  if (info.isError) return <p className="p-4 text-sm text-red-600">{info.error.message}</p>;
  if (!info.data) return <p className="p-4 text-sm text-stone-500">Loading…</p>;
  const current = code ?? info.data.code;
  const language = LANGUAGES.find((l) => l.id === info.data.language);
  const submit = (): void => run.mutate({ token, code: current });
  return (
    <div className="flex h-screen flex-col gap-2 p-2" data-testid="embed">
      <div className="flex items-center justify-between text-xs text-stone-500">
        <span>
          {language?.label} ·{" "}
          <a href="/" target="_blank" rel="noreferrer" className="underline">
            Sandpit
          </a>
        </span>
        <Button variant="primary" onClick={submit} disabled={run.isPending}>
          {run.isPending ? "Running…" : "▶ Run"}
        </Button>
      </div>
      <div className="min-h-0 flex-1 overflow-hidden rounded border border-stone-200 dark:border-stone-800">
        <CodeEditor
          value={current}
          language={language?.monaco ?? "plaintext"}
          path={`embed.${language?.extensions[0] ?? "txt"}`}
          onChange={setCode}
          onRun={submit}
          onSave={submit}
        />
      </div>
      <pre
        data-testid="embed-output"
        className="h-32 overflow-auto rounded bg-stone-950 p-2 font-mono text-xs whitespace-pre-wrap text-stone-100"
      >
        {run.isError && <span className="text-red-300">{run.error.message}</span>}
        {run.data && (
          <>
            {run.data.stdout}
            <span className="text-red-300">{run.data.stderr}</span>
            <span className="text-stone-500">{`\n[exit ${run.data.exit_code}]`}</span>
          </>
        )}
      </pre>
    </div>
  );
}
