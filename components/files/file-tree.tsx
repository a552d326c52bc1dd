"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, type ChangeEvent, type ReactNode } from "react";
import { fileUrl } from "@/components/files/file-viewer";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";

/** The workspace as a tree: open, create, rename, delete, upload, download. */
export function FileTree({
  sessionId,
  openPath,
  onOpen,
  readOnly = false,
}: {
  sessionId: string;
  openPath: string | null;
  onOpen: (path: string) => void;
  readOnly?: boolean;
}): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const files = useQuery(trpc.files.list.queryOptions({ id: sessionId, path: ".", recursive: true }));
  const refresh = (): Promise<void> => queryClient.invalidateQueries({ queryKey: trpc.files.list.queryKey() });
  const write = useMutation(trpc.files.write.mutationOptions({ onSuccess: refresh }));
  const mkdir = useMutation(trpc.files.mkdir.mutationOptions({ onSuccess: refresh }));
  const move = useMutation(trpc.files.move.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.files.delete.mutationOptions({ onSuccess: refresh }));
  const upload = useRef<HTMLInputElement>(null);
  const error = write.error ?? mkdir.error ?? move.error ?? remove.error;

  const newFile = (): void => {
    const name = window.prompt("New file (path inside /workspace)", "main.py");
    if (name)
      write.mutate({ id: sessionId, path: name, file: { content: "", encoding: "utf8" } }, { onSuccess: () => onOpen(name) });
  };
  const newFolder = (): void => {
    const name = window.prompt("New folder", "src");
    if (name) mkdir.mutate({ id: sessionId, path: name });
  };
  const onUpload = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    for (const file of Array.from(event.target.files ?? [])) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      await write.mutateAsync({ id: sessionId, path: file.name, file: { content: btoa(binary), encoding: "base64" } });
    }
    event.target.value = "";
  };

  const entries = files.data ?? [];
  return (
    <nav
      aria-label="Workspace files"
      className="flex h-full flex-col rounded-lg border border-stone-200 bg-white text-sm dark:border-stone-800 dark:bg-stone-900"
    >
      <div className="flex items-center justify-between border-b border-stone-100 px-2 py-1.5 dark:border-stone-800">
        <span className="text-xs font-semibold tracking-wide text-stone-600 uppercase dark:text-stone-400">Files</span>
        <span className="flex gap-0.5">
          {!readOnly && (
            <>
              <Button variant="ghost" className="px-1.5! py-0.5!" aria-label="New file" title="New file" onClick={newFile}>
                +
              </Button>
              <Button variant="ghost" className="px-1.5! py-0.5!" aria-label="New folder" title="New folder" onClick={newFolder}>
                ⊞
              </Button>
              <Button
                variant="ghost"
                className="px-1.5! py-0.5!"
                aria-label="Upload files"
                title="Upload files"
                onClick={() => upload.current?.click()}
              >
                ⇪
              </Button>
              <input
                ref={upload}
                type="file"
                multiple
                hidden
                onChange={(event) => void onUpload(event)}
                data-testid="upload-input"
              />
            </>
          )}
          <a
            className="rounded px-1.5 py-0.5 text-stone-600 hover:bg-stone-100 dark:text-stone-300 dark:hover:bg-stone-800"
            href={`/api/sessions/${sessionId}/archive`}
            aria-label="Download the workspace"
            title="Download the workspace (.tar.gz)"
          >
            ⇩
          </a>
        </span>
      </div>
      <ul className="min-h-0 flex-1 overflow-auto py-1">
        {files.isPending && <li className="px-3 py-1 text-stone-600 dark:text-stone-400">Loading…</li>}
        {files.isSuccess && entries.length === 0 && (
          <li className="px-3 py-1 text-stone-600 dark:text-stone-400">The workspace is empty.</li>
        )}
        {entries.map((entry) => {
          const depth = entry.path.split("/").length - 1;
          const name = entry.path.split("/").at(-1);
          return (
            <li key={entry.path} className="group flex items-center" style={{ paddingLeft: `${0.5 + depth * 0.75}rem` }}>
              {entry.type === "directory" ? (
                <span className="flex-1 truncate py-0.5 text-stone-600 dark:text-stone-400">▾ {name}/</span>
              ) : (
                <button
                  type="button"
                  onClick={() => onOpen(entry.path)}
                  aria-current={openPath === entry.path ? "true" : undefined}
                  className={`flex-1 truncate rounded px-1 py-0.5 text-left font-mono text-xs ${openPath === entry.path ? "bg-sand-100 dark:bg-sand-900/40" : "hover:bg-stone-100 dark:hover:bg-stone-800"}`}
                >
                  {name}
                </button>
              )}
              {entry.type === "file" && (
                <a
                  href={fileUrl(sessionId, entry.path)}
                  download={name}
                  aria-label={`Download ${entry.path}`}
                  title={`Download ${entry.path}`}
                  className="hidden shrink-0 px-1 text-xs text-stone-600 group-focus-within:block group-hover:block hover:text-stone-900 dark:text-stone-400 dark:hover:text-stone-100"
                >
                  ⤓
                </a>
              )}
              {!readOnly && (
                <span className="hidden shrink-0 gap-0.5 pr-1 group-focus-within:flex group-hover:flex">
                  <button
                    type="button"
                    aria-label={`Rename ${entry.path}`}
                    className="px-1 text-xs text-stone-600 hover:text-stone-900 dark:text-stone-400 dark:hover:text-stone-100"
                    onClick={() => {
                      const to = window.prompt(`Rename ${entry.path} to`, entry.path);
                      if (to && to !== entry.path) move.mutate({ id: sessionId, from: entry.path, to });
                    }}
                  >
                    ✎
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete ${entry.path}`}
                    className="px-1 text-xs text-stone-600 hover:text-red-600 dark:text-stone-400"
                    onClick={() => {
                      if (window.confirm(`Delete ${entry.path}?`))
                        remove.mutate({ id: sessionId, path: entry.path, recursive: true });
                    }}
                  >
                    ×
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {error && (
        <p role="alert" className="border-t border-stone-100 px-2 py-1 text-xs text-red-600 dark:border-stone-800">
          {error.message}
        </p>
      )}
    </nav>
  );
}
