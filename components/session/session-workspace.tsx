"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { CodeEditor } from "@/components/editor/code-editor";
import { PackageTypes } from "@/components/editor/package-types";
import { FileTree } from "@/components/files/file-tree";
import { DownloadLink, FileViewer } from "@/components/files/file-viewer";
import { CheckPane, useCheckStatus } from "@/components/classroom/check-pane";
import { OutputPane, type RunOutcome } from "@/components/output/output-pane";
import { PreviewPane } from "@/components/preview/preview-pane";
import type { DisplayOutput } from "@/components/output/display-outputs";
import { RunConsole } from "@/components/output/run-console";
import { RecentRuns } from "@/components/output/recent-runs";
import { SecretsPanel, type Secret } from "@/components/output/secrets-panel";
import { StatusPanel } from "@/components/status-panel/status-panel";
import { EgressPanel } from "@/components/egress/egress-panel";
import { SharePanel } from "@/components/share/share-panel";
import { TerminalPanel } from "@/components/terminal/terminal-panel";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { chooseRunTarget, fileKind, type FileKind } from "@/lib/file-kind";
import { languageForFile, monacoLanguage } from "@/lib/file-language";
import { getLanguage, LANGUAGES } from "@/lib/languages";
import { STARTER_CODE } from "@/lib/starter-code";
import { useTRPC, useTRPCClient } from "@/lib/trpc/client";
import { OWN_WRITES_KEPT, reconcile } from "./external-changes";
import { Instructions } from "./instructions";
import { IdeLayout } from "./ide-layout";
import { SessionTitle } from "./session-title";
import { SidePane, type SideTab } from "./side-pane";
import { RecoveredNotice } from "./recovered-notice";
import { SandboxIndicator } from "./sandbox-indicator";
import { Shortcuts } from "./shortcuts";

/** How long typing pauses before the open file is saved. */
const AUTOSAVE_MS = 1000;

/** A file as the IDE holds it; only a `text` buffer is ever edited or saved. */
type Buffer = { content: string; saved: string; kind: FileKind; encoding: "utf8" | "base64" };

const openFileKey = (sessionId: string): string => `sandpit:open-file:${sessionId}`;
const tabsKey = (sessionId: string): string => `sandpit:tabs:${sessionId}`;
const runTargetKey = (sessionId: string): string => `sandpit:run-target:${sessionId}`;

/** The file a new, empty workspace gets to start in (Java's must be named after its class). */
export function starterFile(language: string, extension: string): string {
  return language === "java" ? "Main.java" : `main.${extension}`;
}

/** A REST call of the IDE's own; a refusal becomes an error carrying the server's message. */
async function post<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) throw new Error(answer.message ?? `the server answered ${response.status}`);
  return answer;
}

/** The IDE of one session: files, editor, runs with streamed output, shells, setup status. */
export function SessionWorkspace({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const session = useQuery(trpc.sessions.get.queryOptions({ id: sessionId }));
  const access = useQuery(trpc.sessions.access.queryOptions({ id: sessionId }));
  const readOnly = access.data?.write === false;
  const deadlinePassed = access.data?.deadline_passed ?? null;
  const checkStatus = useCheckStatus(sessionId);
  const checkable = checkStatus.data?.available === true;
  /** Bumped by the toolbar's Check button: the Checks tab runs a check when it changes. */
  const [checkRequest, setCheckRequest] = useState(0);
  const language = session.data?.language ?? "python";

  const [openPath, setOpenPath] = useState<string | null>(null);
  /** The files open in tabs, in the order they were opened. */
  const [tabs, setTabs] = useState<string[]>([]);
  const [buffers, setBuffers] = useState<Record<string, Buffer>>({});
  const [secrets, setSecrets] = useState<Secret[]>([]);
  /** A file changed on disk while edited here: its path and what the disk now holds. */
  const [conflict, setConflict] = useState<{ path: string; disk: string } | null>(null);
  const ownWrites = useRef(new Map<string, string[]>());
  const [runId, setRunId] = useState<string | undefined>();
  const runStarted = useRef(0);
  const [outcome, setOutcome] = useState<RunOutcome | undefined>();
  const [shown, setShown] = useState<{ outputs: DisplayOutput[]; skipped?: number } | undefined>();
  const [running, setRunning] = useState(false);
  const [runError, setRunError] = useState<string | undefined>();
  const [compiledRun, setCompiledRun] = useState(false);
  /** Run as a server: no time limit, for a web app to preview. */
  const [serve, setServe] = useState(false);
  const [sideTab, setSideTab] = useState<SideTab>("output");

  const buffer = openPath === null ? undefined : buffers[openPath];
  const editable = buffer?.kind === "text";
  const dirty = buffer !== undefined && editable && openPath !== null && buffer.content !== buffer.saved;
  // What Run runs is chosen, not guessed: a file picked in the run menu (remembered per session),
  // else the session's entry file, else the open file when a language runs it, else the first such file.
  const fileList = useQuery(trpc.files.list.queryOptions({ id: sessionId, path: ".", recursive: true }));
  const runnable = useMemo(
    () =>
      (fileList.data ?? [])
        .filter((entry) => entry.type === "file" && languageForFile(entry.path, language) !== undefined)
        .map((entry) => entry.path)
        .sort(),
    [fileList.data, language],
  );
  const [pinned, setPinned] = useState<string | null>(null);
  const entryPath = session.data?.entry_file ?? null;
  const targetPath = chooseRunTarget({
    pinned,
    entry: entryPath,
    open: openPath,
    runnable: fileList.data ? runnable : undefined,
    sessionLanguage: language,
  });
  const target = useMemo(
    () =>
      targetPath
        ? { kind: "file" as const, path: targetPath, language: languageForFile(targetPath, language) ?? language }
        : { kind: "none" as const },
    [language, targetPath],
  );
  const choosePinned = (path: string | null): void => {
    setPinned(path);
    if (path) window.localStorage.setItem(runTargetKey(sessionId), path);
    else window.localStorage.removeItem(runTargetKey(sessionId));
  };

  const write = useMutation(trpc.files.write.mutationOptions());

  const open = useCallback(
    async (path: string) => {
      setOpenPath(path);
      setTabs((current) => (current.includes(path) ? current : [...current, path]));
      if (buffers[path]) return;
      const file = await queryClient.fetchQuery(trpc.files.read.queryOptions({ id: sessionId, path }));
      const kind = fileKind(path, file.encoding);
      setBuffers((current) => ({
        ...current,
        [path]: { content: file.content, saved: file.content, kind, encoding: file.encoding },
      }));
    },
    [buffers, queryClient, sessionId, trpc],
  );

  const save = useCallback(async () => {
    // Only a text buffer is ever written: an image, a table or other bytes are never replaced by text.
    if (!openPath || !buffer || buffer.kind !== "text" || buffer.encoding !== "utf8") return;
    const content = buffer.content;
    const written = [...(ownWrites.current.get(openPath) ?? []), content].slice(-OWN_WRITES_KEPT);
    ownWrites.current.set(openPath, written);
    await write.mutateAsync({ id: sessionId, path: openPath, file: { content, encoding: "utf8" } });
    // What was typed while the write was under way stays, and stays marked unsaved.
    setBuffers((current) => ({
      ...current,
      [openPath]: { ...(current[openPath] ?? buffer), content: current[openPath]?.content ?? content, saved: content },
    }));
    await queryClient.invalidateQueries({ queryKey: trpc.files.list.queryKey() });
  }, [buffer, openPath, queryClient, sessionId, trpc, write]);

  /** Closes a file's tab (its changes are saved first); the next tab opens. */
  const closeTab = async (path: string): Promise<void> => {
    if (path === openPath && dirty && !readOnly) await save().catch(() => undefined);
    const index = tabs.indexOf(path);
    const rest = tabs.filter((tab) => tab !== path);
    setTabs(rest);
    if (path === openPath) {
      const next = rest[Math.min(index, rest.length - 1)];
      if (next) void open(next).catch(() => setOpenPath(null));
      else setOpenPath(null);
    }
  };

  const run = useCallback(async () => {
    if (running) return;
    setRunId(undefined);
    setShown(undefined);
    setOutcome(undefined);
    setRunError(undefined);
    setRunning(true);
    if (target.kind !== "file") {
      setRunError("Nothing to run yet: create a file in a language this session runs (a .py, .js, .go … file).");
      setRunning(false);
      return;
    }
    const env = Object.fromEntries(secrets.filter((s) => s.key.trim()).map((s) => [s.key.trim(), s.value]));
    try {
      // What is typed is what runs: the open file and the file to run are saved first.
      await save();
      const held = buffers[target.path];
      if (held && target.path !== openPath && held.kind === "text" && held.content !== held.saved && !readOnly) {
        await write.mutateAsync({ id: sessionId, path: target.path, file: { content: held.content, encoding: "utf8" } });
        setBuffers((all) => {
          const now = all[target.path];
          return now ? { ...all, [target.path]: { ...now, saved: held.content } } : all;
        });
      }
    } catch (error) {
      setRunError(`Could not save before running: ${(error as Error).message}`);
      setRunning(false);
      return;
    }
    // A CSV, an image or a text note is never run: only files a language runs can be chosen.
    const source = { file: target.path, language: target.language, env };
    const runInput = serve ? { ...source, serve: true } : source;
    setCompiledRun(getLanguage(target.language).compiled === true);
    if (serve) setSideTab("preview");
    // An interactive run: it answers its id at once, the console then follows it and types into it.
    try {
      const started = await post<{ run_id: string }>(`/api/sessions/${encodeURIComponent(sessionId)}/runs`, runInput);
      runStarted.current = Date.now();
      setRunId(started.run_id);
      // The sandbox is up now: the header's indicator says so.
      void queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) });
    } catch (error) {
      setRunError((error as Error).message);
      setRunning(false);
    }
  }, [buffers, openPath, queryClient, readOnly, running, save, secrets, serve, sessionId, target, trpc, write]);

  // Autosave: a pause in typing writes the open file; a failed write stays marked unsaved.
  const [saveError, setSaveError] = useState<string>();
  const pending = dirty || write.isPending;
  useEffect(() => {
    if (!dirty || readOnly || write.isPending || conflict?.path === openPath) return;
    const timer = setTimeout(() => {
      save().then(
        () => setSaveError(undefined),
        (error: unknown) => setSaveError((error as Error).message),
      );
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [conflict, dirty, openPath, readOnly, save, write.isPending]);

  // Leaving the page while a change is unsaved asks first.
  useEffect(() => {
    if (!pending) return;
    const warn = (event: BeforeUnloadEvent): void => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [pending]);

  // The open file is remembered per session, so a reload opens it again.
  const restored = useRef(false);
  // (Declared before the restoring effect, so the first render does not forget what it restores.)
  useEffect(() => {
    if (!restored.current) return;
    if (openPath) window.localStorage.setItem(openFileKey(sessionId), openPath);
    else window.localStorage.removeItem(openFileKey(sessionId));
    window.localStorage.setItem(tabsKey(sessionId), JSON.stringify(tabs));
  }, [openPath, sessionId, tabs]);
  // A first visit opens the session's entry file (a class exercise).
  const loaded = session.isSuccess;
  const entryFile = session.data?.entry_file ?? null;
  useEffect(() => {
    if (restored.current || !loaded) return;
    restored.current = true;
    // The tabs come back as they were; each file is read when its tab is chosen.
    try {
      const kept: unknown = JSON.parse(window.localStorage.getItem(tabsKey(sessionId)) ?? "[]");
      if (Array.isArray(kept)) {
        const paths = kept.filter((path): path is string => typeof path === "string").slice(0, 30);
        setTimeout(() => setTabs((current) => [...new Set([...paths, ...current])]), 0);
      }
    } catch {
      // a damaged list is forgotten
    }
    const keptTarget = window.localStorage.getItem(runTargetKey(sessionId));
    if (keptTarget) setTimeout(() => setPinned(keptTarget), 0);
    const first = window.localStorage.getItem(openFileKey(sessionId)) ?? entryFile;
    // After this render: opening sets state, which an effect's own body should not.
    if (first) setTimeout(() => void open(first).catch(() => setOpenPath(null)), 0);
  }, [open, sessionId, loaded, entryFile]);

  // Files change under the IDE too (runs, terminals, setup commands): the tree follows, and so do
  // the files it holds, unless something is typed over them: then the user chooses.
  const held = useRef(buffers);
  useEffect(() => {
    held.current = buffers;
  }, [buffers]);
  const onWorkspaceChange = useCallback(
    async (change: { paths: string[]; more: number }) => {
      void queryClient.invalidateQueries({ queryKey: trpc.files.list.queryKey({ id: sessionId }) });
      const paths = Object.keys(held.current).filter((path) => change.more > 0 || change.paths.includes(path));
      for (const path of paths) {
        const current = held.current[path];
        if (!current || current.kind !== "text") continue;
        const disk = await queryClient
          .fetchQuery({ ...trpc.files.read.queryOptions({ id: sessionId, path }), staleTime: 0 })
          .catch(() => undefined);
        if (!disk || disk.encoding !== "utf8") continue; // gone or no longer text: the tree shows it
        const action = reconcile(current, disk.content, ownWrites.current.get(path) ?? []);
        if (action === "reload")
          setBuffers((all) => {
            const now = all[path];
            // Typed meanwhile: that is a conflict the next change will tell.
            if (!now || now.content !== now.saved) return all;
            return { ...all, [path]: { ...now, content: disk.content, saved: disk.content } };
          });
        else if (action === "conflict") setConflict({ path, disk: disk.content });
      }
    },
    [queryClient, sessionId, trpc],
  );
  useEffect(() => {
    if (!loaded) return;
    const subscription = client.files.watch.subscribe({ id: sessionId }, { onData: (change) => void onWorkspaceChange(change) });
    return () => subscription.unsubscribe();
  }, [client, loaded, onWorkspaceChange, sessionId]);
  const resolveConflict = (keep: "mine" | "disk"): void => {
    if (!conflict) return;
    const { path, disk } = conflict;
    setConflict(null);
    // Keeping mine saves it over the disk's version (autosave takes it from here).
    if (keep === "disk")
      setBuffers((all) => (all[path] ? { ...all, [path]: { ...all[path], content: disk, saved: disk } } : all));
    else setBuffers((all) => (all[path] ? { ...all, [path]: { ...all[path], saved: disk } } : all));
  };

  const finished = useCallback(
    (code: number, displayed: { outputs: DisplayOutput[]; skipped?: number }) => {
      setShown(displayed);
      setOutcome({ exit_code: code, duration_ms: Date.now() - runStarted.current, timed_out: code === 124, truncated: false });
      setRunning(false);
      void queryClient.invalidateQueries({ queryKey: trpc.runs.recent.queryKey({ id: sessionId }) });
      void queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) });
    },
    [queryClient, sessionId, trpc],
  );

  const stop = async (): Promise<void> => {
    if (!runId) return;
    try {
      await post(`/api/sessions/${encodeURIComponent(sessionId)}/runs/${encodeURIComponent(runId)}/stop`);
      setRunError("Stopped.");
    } catch (error) {
      setRunError((error as Error).message);
    }
  };

  // A new, empty workspace starts with a file of its language holding the starter code: a real
  // file, saved, listed and run like any other (never for someone who may only look).
  const seeded = useRef(false);
  const canWrite = access.data?.write === true;
  const emptyWorkspace = fileList.data !== undefined && fileList.data.length === 0;
  useEffect(() => {
    if (seeded.current || !canWrite || !emptyWorkspace || !loaded) return;
    seeded.current = true;
    const path = starterFile(language, LANGUAGES.find((l) => l.id === language)?.extensions[0] ?? "txt");
    const content = STARTER_CODE[language];
    write.mutateAsync({ id: sessionId, path, file: { content, encoding: "utf8" } }).then(
      async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.files.list.queryKey() });
        await open(path);
      },
      (error: unknown) => setSaveError(`Could not create ${path}: ${(error as Error).message}`),
    );
  }, [canWrite, emptyWorkspace, language, loaded, open, queryClient, sessionId, trpc, write]);

  if (session.isError) {
    return (
      <div
        role="alert"
        className="rounded-xl border border-red-200 bg-red-50 p-6 text-red-900 dark:border-red-900 dark:bg-red-950/40 dark:text-red-200"
      >
        <h1 className="text-lg font-semibold">This session cannot be opened</h1>
        <p className="mt-1 text-sm">{session.error.message}</p>
      </div>
    );
  }

  const sandboxState =
    running && session.data?.sandbox.state !== "running" ? "starting" : (session.data?.sandbox.state ?? "none");
  const languageLabel = LANGUAGES.find((l) => l.id === language)?.label ?? language;

  const toolbar = (
    <div className="flex shrink-0 flex-wrap items-center justify-between gap-2">
      <div className="flex min-w-0 items-center gap-2 text-sm">
        <ul aria-label="Open files" className="flex min-w-0 flex-wrap items-center gap-1" data-testid="file-tabs">
          {tabs.map((path) => {
            const active = path === openPath;
            const held = buffers[path];
            const unsaved = held !== undefined && held.kind === "text" && held.content !== held.saved;
            return (
              <li key={path} className="flex items-center" data-testid="file-tab" data-path={path}>
                <button
                  type="button"
                  // A file gone meanwhile (deleted in a terminal, say) loses its tab.
                  onClick={() => void open(path).catch(() => void closeTab(path))}
                  aria-current={active ? "page" : undefined}
                  title={path}
                  className={`max-w-48 truncate rounded px-2 py-0.5 font-mono ${active ? "bg-stone-200 font-semibold dark:bg-stone-700" : "text-stone-600 dark:text-stone-400"}`}
                >
                  {active ? <span data-testid="open-file">{path}</span> : path}
                  {unsaved && <span aria-label=" (unsaved)"> ●</span>}
                </button>
                <button
                  type="button"
                  aria-label={`Close ${path}`}
                  title={`Close ${path}`}
                  onClick={() => void closeTab(path)}
                  className="px-1 text-xs text-stone-600 hover:text-red-700 dark:text-stone-400"
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
        {openPath && editable && !readOnly && (
          <span
            data-testid="save-state"
            role="status"
            title={saveError}
            className={`text-xs ${saveError ? "text-red-600" : pending ? "text-amber-700 dark:text-amber-400" : "text-stone-600 dark:text-stone-400"}`}
          >
            {write.isPending ? "Saving…" : saveError ? "Not saved" : dirty ? "Unsaved" : "Saved"}
          </span>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        {openPath && <DownloadLink sessionId={sessionId} path={openPath} />}
        {openPath && editable && !readOnly && (
          <Button onClick={() => void save()} disabled={!dirty || write.isPending} title="Save (Ctrl+S)">
            Save
          </Button>
        )}
        {!readOnly && (
          <span className="text-xs text-stone-600 dark:text-stone-400">
            <kbd className="font-mono">?</kbd> shortcuts
          </span>
        )}
        {!readOnly && (
          <label className="flex items-center gap-1 text-xs text-stone-600 dark:text-stone-400">
            <span data-testid="run-target">Runs {target.kind === "file" ? target.path : "nothing yet"}</span>
            <select
              aria-label="File to run"
              value={pinned && runnable.includes(pinned) ? pinned : ""}
              onChange={(event) => choosePinned(event.target.value || null)}
              className="max-w-40 rounded border border-stone-300 bg-white px-1 py-0.5 font-mono text-xs dark:border-stone-700 dark:bg-stone-900"
            >
              <option value="">{entryPath ? `entry file (${entryPath})` : "the open file"}</option>
              {runnable.map((path) => (
                <option key={path} value={path}>
                  {path}
                </option>
              ))}
            </select>
          </label>
        )}
        {!readOnly && (
          <label
            className="flex items-center gap-1 text-xs text-stone-600 dark:text-stone-400"
            title="Keep the program running with no time limit: for web servers, whose pages show in the preview"
          >
            <input type="checkbox" checked={serve} onChange={(event) => setServe(event.target.checked)} disabled={running} />
            Serve
          </label>
        )}
        {checkable && (
          <Button
            onClick={() => {
              setSideTab("checks");
              setCheckRequest((n) => n + 1);
            }}
            title="Run your teacher's tests on your work"
          >
            ✓ Check
          </Button>
        )}
        {readOnly ? null : running ? (
          <Button variant="danger" onClick={() => void stop()}>
            ■ Stop
          </Button>
        ) : (
          <Button variant="primary" onClick={() => void run()} title="Run (Ctrl+Enter)">
            ▶ Run
          </Button>
        )}
      </div>
    </div>
  );

  const editorArea = (
    <>
      <Instructions sessionId={sessionId} />
      {toolbar}
      {conflict && conflict.path === openPath && (
        <div
          role="alert"
          data-testid="file-conflict"
          className="flex shrink-0 flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <span className="mr-auto">
            <span className="font-mono">{conflict.path}</span> changed outside the editor (a run, a terminal or another window)
            while you were editing it.
          </span>
          <Button onClick={() => resolveConflict("disk")}>Load the new version</Button>
          <Button variant="ghost" onClick={() => resolveConflict("mine")}>
            Keep mine
          </Button>
        </div>
      )}
      <div className="mt-1 min-h-64 flex-1 overflow-hidden rounded-lg border border-stone-200 dark:border-stone-800">
        {buffer && buffer.kind !== "text" && openPath ? (
          <FileViewer
            sessionId={sessionId}
            path={openPath}
            kind={buffer.kind}
            content={buffer.content}
            encoding={buffer.encoding}
          />
        ) : buffer && openPath ? (
          <CodeEditor
            path={openPath}
            value={buffer.content}
            language={monacoLanguage(openPath)}
            readOnly={readOnly}
            onChange={(content) =>
              setBuffers((current) => ({ ...current, [openPath]: { ...buffer, ...current[openPath], content } }))
            }
            onRun={() => void run()}
            onSave={() => void save()}
          />
        ) : (
          <p className="p-4 text-sm text-stone-600 dark:text-stone-400" data-testid="no-file-open">
            {openPath || emptyWorkspace ? "Opening…" : "Open a file from the tree, or make one with +."}
          </p>
        )}
      </div>
    </>
  );

  const outputArea = (
    <div className="space-y-2">
      <OutputPane
        console={runId && <RunConsole key={runId} sessionId={sessionId} runId={runId} onExit={finished} />}
        shown={shown}
        outcome={outcome}
        running={running}
        error={runError}
        compiled={compiledRun}
      />
      <SecretsPanel secrets={secrets} onChange={setSecrets} />
      <RecentRuns sessionId={sessionId} />
    </div>
  );

  return (
    <div className="flex min-h-[36rem] flex-1 flex-col gap-2 lg:h-[calc(100dvh-4.5rem)]" data-testid="ide">
      <Shortcuts onRun={() => void (readOnly ? undefined : run())} />
      <header className="flex shrink-0 flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 items-center gap-3">
          <SessionTitle sessionId={sessionId} name={session.data?.name ?? null} canWrite={access.data?.write === true} />
          <span className="rounded-full border border-stone-300 px-2 py-0.5 text-xs dark:border-stone-700">{languageLabel}</span>
          {session.data && <StatusBadge status={session.data.setup_status} />}
        </div>
        <SandboxIndicator state={sandboxState} />
      </header>

      <RecoveredNotice sessionId={sessionId} recovered={session.data?.recovered} />
      {readOnly && (
        <p
          role="status"
          data-testid="read-only-notice"
          className="shrink-0 rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:bg-sky-950/40 dark:text-sky-200"
        >
          {deadlinePassed
            ? `Read-only: the deadline passed on ${new Date(deadlinePassed).toLocaleString()}. Your work is kept; your teacher can give you more time.`
            : "Read-only: this is a copy of your class session that belongs to someone else."}
        </p>
      )}
      {/* Sharing, network and setup: compact here, each opens in place; the IDE keeps the rest of the window. */}
      <div className="max-h-[45vh] shrink-0 space-y-2 overflow-auto" data-testid="session-panels">
        <div className="flex flex-wrap items-start gap-2">
          {!readOnly && session.data && (
            <div className="min-w-64 flex-1">
              <SharePanel sessionId={sessionId} template={session.data.template} />
            </div>
          )}
          <EgressPanel sessionId={sessionId} readOnly={readOnly} />
        </div>
        <StatusPanel sessionId={sessionId} />
        <PackageTypes sessionId={sessionId} />
      </div>

      <IdeLayout
        terminalLabel="Terminal"
        areas={{
          files: <FileTree sessionId={sessionId} openPath={openPath} onOpen={(path) => void open(path)} readOnly={readOnly} />,
          editor: editorArea,
          side: (
            <SidePane
              tab={sideTab}
              onTab={setSideTab}
              output={outputArea}
              checks={
                checkable || checkStatus.data?.deadline ? (
                  <CheckPane sessionId={sessionId} request={checkRequest} beforeCheck={readOnly ? undefined : save} />
                ) : undefined
              }
              preview={
                readOnly ? (
                  <p className="text-sm text-stone-600 dark:text-stone-400">Previews are for the session&apos;s owner.</p>
                ) : (
                  <PreviewPane sessionId={sessionId} />
                )
              }
            />
          ),
          terminal: readOnly ? (
            <p className="p-2 text-sm text-stone-600 dark:text-stone-400">Terminals are for the session&apos;s owner.</p>
          ) : (
            <TerminalPanel sessionId={sessionId} />
          ),
        }}
      />
    </div>
  );
}
