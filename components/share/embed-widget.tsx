"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { CodeEditor } from "@/components/editor/code-editor";
import { DisplayOutputs, type DisplayOutput } from "@/components/output/display-outputs";
import { Button } from "@/components/ui/button";
import { LANGUAGES } from "@/lib/languages";
import { useTRPC, useTRPCClient } from "@/lib/trpc/client";
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

type Chunk = { stream: "stdout" | "stderr"; text: string };
type Outcome = { exit_code: number; timed_out: boolean };

const decode = (data: string, encoding: "utf8" | "base64"): string =>
  encoding === "utf8" ? data : new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));

/** A run's output as it comes, over embedStart (a POST) and embedFollow (a subscription). */
function useStreamedRun(token: string): {
  start: (code: string) => void;
  running: boolean;
  chunks: Chunk[];
  shown: DisplayOutput[];
  outcome: Outcome | null;
  error: string | null;
} {
  const client = useTRPCClient();
  const [running, setRunning] = useState(false);
  const [chunks, setChunks] = useState<Chunk[]>([]);
  const [shown, setShown] = useState<DisplayOutput[]>([]);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const subscription = useRef<{ unsubscribe: () => void } | null>(null);
  useEffect(() => () => subscription.current?.unsubscribe(), []);
  const start = useCallback(
    (code: string) => {
      subscription.current?.unsubscribe();
      setRunning(true);
      setChunks([]);
      setShown([]);
      setOutcome(null);
      setError(null);
      void (async () => {
        let streamId: string;
        try {
          ({ stream_id: streamId } = await client.shares.embedStart.mutate({ token, code }));
        } catch (failure) {
          setError((failure as Error).message);
          setRunning(false);
          return;
        }
        subscription.current = client.shares.embedFollow.subscribe(
          { token, stream_id: streamId },
          {
            onData: (event) => {
              if (event.type === "exit") {
                setOutcome({ exit_code: event.exit_code, timed_out: event.timed_out });
                setRunning(false);
              } else if (event.type === "display") {
                const { mime, data } = event;
                setShown((current) => [...current, { mime, data }]);
              } else setChunks((current) => [...current, { stream: event.type, text: decode(event.data, event.encoding) }]);
            },
            onError: (failure) => {
              setError(failure.message);
              setRunning(false);
            },
            onComplete: () => setRunning(false),
          },
        );
      })();
    },
    [client, token],
  );
  return { start, running, chunks, shown, outcome, error };
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
  const run = useStreamedRun(token);
  const autoran = useRef(false);
  const original = info.data?.code;
  const { start } = run;
  useEffect(() => {
    if (!autorun || autoran.current || original === undefined) return;
    autoran.current = true;
    start(original);
  }, [autorun, original, start]);

  if (info.isError) return <p className="p-4 text-sm text-red-700 dark:text-red-300">{info.error.message}</p>;
  if (!info.data) return <p className="p-4 text-sm text-stone-600 dark:text-stone-400">Loading…</p>;
  const current = code ?? info.data.code;
  const changed = current !== info.data.code;
  const language = LANGUAGES.find((l) => l.id === info.data.language);
  const submit = (): void => run.start(current);
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
          <Button variant="primary" onClick={submit} disabled={run.running}>
            {run.running ? "Running…" : "▶ Run"}
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
        {run.chunks.map((chunk, index) => (
          <span key={index} className={chunk.stream === "stderr" ? "text-red-300" : undefined}>
            {chunk.text}
          </span>
        ))}
        {run.error && <span className="text-red-300">{run.error}</span>}
        {run.outcome && (
          <span className="text-stone-400">{`\n[${run.outcome.timed_out ? "timed out" : `exit ${run.outcome.exit_code}`}]`}</span>
        )}
      </pre>
      <DisplayOutputs outputs={run.shown} />
    </div>
  );
}
