"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { CodeEditor } from "@/components/editor/code-editor";
import { PreviewPane } from "@/components/preview/preview-pane";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { monacoLanguage } from "@/lib/file-language";
import { useTRPC } from "@/lib/trpc/client";

/** A clear page for a link that cannot be used, instead of an error dump. */
export function LinkUnavailable({ message, children }: { message: string; children?: ReactNode }): ReactNode {
  return (
    <div
      role="alert"
      data-testid="link-unavailable"
      className="mx-auto max-w-lg space-y-3 rounded-xl border border-stone-200 bg-white p-8 text-center dark:border-stone-800 dark:bg-stone-900"
    >
      <h1 className="text-xl font-semibold">This link does not work anymore</h1>
      <p className="text-sm text-stone-600 dark:text-stone-400">{message}</p>
      {children}
      <p className="text-sm">
        Ask the person who shared it for a new one, or{" "}
        <Link href="/" className="text-sand-700 underline dark:text-sand-300">
          start your own session
        </Link>
        .
      </p>
    </div>
  );
}

/** A shared session, read-only: its files and code, and a button to fork it and edit the copy. */
export function SharedView({ token }: { token: string }): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const shared = useQuery({ ...trpc.shares.resolve.queryOptions({ token }), retry: false });
  const files = useQuery({ ...trpc.shares.files.queryOptions({ token }), enabled: shared.isSuccess });
  const [path, setPath] = useState<string | null>(null);
  const chosen = path ?? shared.data?.session.entry_file ?? files.data?.find((f) => f.type === "file")?.path ?? null;
  const file = useQuery({ ...trpc.shares.read.queryOptions({ token, path: chosen ?? "" }), enabled: chosen !== null });
  const fork = useMutation(trpc.shares.fork.mutationOptions({ onSuccess: (session) => router.push(`/s/${session.id}`) }));

  if (shared.isError) {
    const reason = shared.error instanceof TRPCClientError ? shared.error.message : "the link could not be opened";
    return <LinkUnavailable message={reason.charAt(0).toUpperCase() + reason.slice(1)} />;
  }
  if (!shared.data) return <p className="text-sm text-stone-600 dark:text-stone-400">Opening the shared session…</p>;
  const { session, share } = shared.data;

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h1 className="font-mono text-xl font-semibold">{session.id}</h1>
          <span className="rounded-full border border-stone-300 px-2 py-0.5 text-xs dark:border-stone-700">
            {session.language}
          </span>
          <StatusBadge status="none" label={`shared · ${share.role === "view" ? "read-only" : share.role}`} />
        </div>
        <Button variant="primary" onClick={() => fork.mutate({ token })} disabled={fork.isPending}>
          {fork.isPending ? "Forking…" : "Fork to edit"}
        </Button>
      </header>
      {fork.isError && (
        <p role="alert" className="text-sm text-red-600">
          {fork.error.message}
        </p>
      )}
      <p className="text-sm text-stone-600 dark:text-stone-400">
        You are looking at someone else&apos;s session. Fork it to get your own copy you can edit and run.
      </p>
      <div className="grid gap-4 lg:grid-cols-[14rem_1fr]">
        <nav
          aria-label="Shared files"
          className="rounded-lg border border-stone-200 bg-white p-2 text-sm dark:border-stone-800 dark:bg-stone-900"
        >
          {files.data?.length === 0 && <p className="text-stone-600 dark:text-stone-400">No files.</p>}
          <ul>
            {files.data
              ?.filter((f) => f.type === "file")
              .map((f) => (
                <li key={f.path}>
                  <button
                    type="button"
                    onClick={() => setPath(f.path)}
                    aria-current={chosen === f.path ? "true" : undefined}
                    className={`w-full truncate rounded px-1 py-0.5 text-left font-mono text-xs ${chosen === f.path ? "bg-sand-100 dark:bg-sand-900/40" : ""}`}
                  >
                    {f.path}
                  </button>
                </li>
              ))}
          </ul>
        </nav>
        <div className="h-96 overflow-hidden rounded-lg border border-stone-200 dark:border-stone-800" data-testid="shared-code">
          {chosen && file.data ? (
            <CodeEditor
              value={file.data.encoding === "utf8" ? file.data.content : "(binary file)"}
              language={monacoLanguage(chosen)}
              path={`shared/${chosen}`}
              readOnly
              onChange={() => undefined}
              onRun={() => undefined}
              onSave={() => undefined}
            />
          ) : (
            <p className="p-4 text-sm text-stone-600 dark:text-stone-400">{chosen ? "Loading…" : "Nothing to show yet."}</p>
          )}
        </div>
      </div>
      {session.share_previews && (
        <div className="h-96 rounded-lg border border-stone-200 p-2 dark:border-stone-800">
          <PreviewPane sessionId={session.id} token={token} />
        </div>
      )}
    </div>
  );
}
