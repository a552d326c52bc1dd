"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";

/** Whether a key press belongs to what has focus: a field, the editor or a terminal types it. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) ||
    target.closest(".monaco-editor, .xterm") !== null
  );
}

const SHORTCUTS: Array<[string, string]> = [
  ["Ctrl+Enter / ⌘+Enter", "Run (anywhere on the page)"],
  ["Ctrl+S / ⌘+S", "Save the open file (it also saves itself a second after typing stops)"],
  ["Ctrl+M", "In the editor: make Tab move the focus out instead of indenting (press again to indent)"],
  ["Alt+F1", "In the editor: its accessibility help"],
  ["Ctrl+C / Ctrl+D", "In the run console: interrupt the program / end its input"],
  ["?", "This list"],
];

/**
 * The IDE's keyboard: Ctrl/Cmd+Enter runs from anywhere (the editor binds it itself), and `?` shows
 * the shortcuts, unless a field, the editor or a terminal is taking the keys.
 */
export function Shortcuts({ onRun }: { onRun: () => void }): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const run = useRef(onRun);
  useEffect(() => {
    run.current = onRun;
  }, [onRun]);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement | null;
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        // The editor runs on its own binding; a terminal keeps Ctrl+Enter for its program.
        if (target?.closest(".monaco-editor, .xterm")) return;
        event.preventDefault();
        run.current();
      } else if (event.key === "?" && !typing(target)) {
        event.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    if (open && !node.open) node.showModal();
    if (!open && node.open) node.close();
  }, [open]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby="shortcuts-title"
      onClose={() => setOpen(false)}
      className="m-auto max-w-lg rounded-xl border border-stone-200 bg-white p-5 text-stone-900 backdrop:bg-stone-950/40 dark:border-stone-700 dark:bg-stone-900 dark:text-stone-100"
    >
      <h2 id="shortcuts-title" className="text-base font-semibold">
        Keyboard shortcuts
      </h2>
      <table className="mt-3 text-sm">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row" className="py-1 pr-4 text-left font-mono text-xs font-normal whitespace-nowrap">
                {keys}
              </th>
              <td className="py-1">{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-4 flex justify-end">
        <Button onClick={() => setOpen(false)}>Close</Button>
      </div>
    </dialog>
  );
}
