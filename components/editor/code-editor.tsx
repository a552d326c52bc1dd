"use client";

import Editor, { loader, type OnMount } from "@monaco-editor/react";
import { useLayoutEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";

// Monaco is served by Sandpit itself (copied to /monaco at build time): no CDN, works offline.
loader.config({ paths: { vs: "/monaco/vs" } });

// monaco.KeyMod.CtrlCmd, monaco.KeyCode.Enter and monaco.KeyCode.KeyS (stable values of Monaco's API).
const KEY = { CtrlCmd: 2048, Enter: 3, KeyS: 49 } as const;

function subscribeTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  return () => observer.disconnect();
}

export function CodeEditor({
  value,
  language,
  path,
  readOnly = false,
  onChange,
  onRun,
  onSave,
}: {
  value: string;
  language: string;
  path: string;
  readOnly?: boolean;
  onChange: (value: string) => void;
  onRun: () => void;
  onSave: () => void;
}): ReactNode {
  const dark = useSyncExternalStore(
    subscribeTheme,
    () => document.documentElement.classList.contains("dark"),
    () => false,
  );
  const actions = useRef({ onRun, onSave });
  // Updated during the commit (not after paint): a key pressed right after an edit must reach the
  // handlers of that edit's render, or Ctrl+S would save the text as it was before it.
  useLayoutEffect(() => {
    actions.current = { onRun, onSave };
  }, [onRun, onSave]);
  const [ready, setReady] = useState(false);

  const mount: OnMount = (editor) => {
    editor.addCommand(KEY.CtrlCmd | KEY.Enter, () => actions.current.onRun());
    editor.addCommand(KEY.CtrlCmd | KEY.KeyS, () => actions.current.onSave());
    setReady(true);
  };

  return (
    <div className="relative h-full min-h-64" data-testid="code-editor" data-ready={ready ? "true" : "false"}>
      <Editor
        path={path}
        value={value}
        language={language}
        theme={dark ? "vs-dark" : "light"}
        onChange={(next) => onChange(next ?? "")}
        onMount={mount}
        loading={<div className="p-4 text-sm text-stone-600 dark:text-stone-400">Loading the editor…</div>}
        options={{
          readOnly,
          minimap: { enabled: false },
          fontSize: 14,
          scrollBeyondLastLine: false,
          automaticLayout: true,
          tabSize: 2,
          // Read out on entering the editor: how to leave it with Tab, and where the shortcuts are.
          ariaLabel:
            "Code editor. Ctrl+M makes Tab move the focus out; Ctrl+Enter runs; press ? outside the editor for all shortcuts.",
        }}
      />
    </div>
  );
}
