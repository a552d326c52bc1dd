"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import {
  ASSIGNMENT_LIMITS,
  CHECK_FEEDBACK,
  FEEDBACK_LABELS,
  type AssignmentView,
  type CheckFeedback,
} from "@/lib/checks/assignment";
import { useTRPC } from "@/lib/trpc/client";
import { CheckResults } from "./check-results";

/** Test commands that Sandpit reads test by test, for each kind of class. */
export const COMMAND_PRESETS: Array<{ label: string; command: string; example: { path: string; content: string } }> = [
  {
    label: "Python: unittest",
    command: "python3 -m unittest discover -s tests -v",
    example: {
      path: "tests/test_main.py",
      content:
        "import unittest\nfrom main import add\n\n\nclass TestAdd(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n",
    },
  },
  {
    label: "Python: test_ functions (pytest style)",
    command: "python3 .sandpit-check/test_functions.py tests",
    example: {
      path: "tests/test_main.py",
      content: "from main import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    },
  },
  {
    label: "JavaScript: node:test",
    command: "node --test --test-reporter=tap",
    example: {
      path: "tests/main.test.js",
      content:
        'const test = require("node:test");\nconst assert = require("node:assert");\nconst { add } = require("../main.js");\n\ntest("adds", () => assert.strictEqual(add(2, 3), 5));\n',
    },
  },
  {
    label: "Go: go test",
    command: "go test -json .",
    example: {
      path: "main_test.go",
      content:
        'package main\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif got := Add(2, 3); got != 5 {\n\t\tt.Errorf("Add(2, 3) = %d, want 5", got)\n\t}\n}\n',
    },
  },
  {
    label: "Bash: a script printing ok / not ok lines",
    command: "bash tests/check.sh",
    example: {
      path: "tests/check.sh",
      content:
        'out=$(bash main.sh)\nif [ "$out" = "hello" ]; then echo "ok 1 - prints hello"; else echo "not ok 1 - prints hello"; fi\necho "1..1"\n',
    },
  },
];

type HiddenFile = { path: string; content: string };

/** A date for a datetime-local field, in the browser's time zone, and back. */
const toLocalInput = (iso: string | null): string => {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);

const field = "rounded-md border border-stone-300 bg-white px-2 py-1 text-sm dark:border-stone-700 dark:bg-stone-950";

/**
 * A template's assignment, for its teacher: the test command, the hidden test files (kept on the
 * server, never in a workspace), what students see of a failure, a time limit and a deadline.
 */
export function AssignmentPanel({ sessionId }: { sessionId: string }): ReactNode {
  const trpc = useTRPC();
  const assignment = useQuery(trpc.checks.assignment.queryOptions({ id: sessionId }));
  if (!assignment.data) return null;
  const initial = assignment.data;
  return (
    <details className="rounded-md border border-stone-200 p-2 dark:border-stone-800" data-testid="assignment-panel">
      <summary className="cursor-pointer text-sm font-semibold">
        Assignment: checks and deadline
        {initial.command ? ` · ${initial.files.length} hidden file(s)` : " · none yet"}
      </summary>
      {/* A saved assignment comes back with a new time: the form starts again from what is stored. */}
      <AssignmentForm key={initial.updated_at ?? "new"} sessionId={sessionId} initial={initial} />
    </details>
  );
}

function AssignmentForm({ sessionId, initial }: { sessionId: string; initial: AssignmentView }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [command, setCommand] = useState(initial.command ?? "");
  const [feedback, setFeedback] = useState<CheckFeedback>(initial.feedback);
  const [timeout, setTimeoutSeconds] = useState<number>(initial.timeout_seconds);
  const [deadline, setDeadline] = useState(toLocalInput(initial.deadline));
  const [files, setFiles] = useState<HiddenFile[]>(initial.files.map(({ path, content }) => ({ path, content })));
  const [editing, setEditing] = useState<number | null>(null);
  const [toHide, setToHide] = useState("");
  const [saved, setSaved] = useState(initial.updated_at !== null);

  const refresh = (): void => {
    void queryClient.invalidateQueries({ queryKey: trpc.checks.assignment.queryKey({ id: sessionId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.checks.status.queryKey({ id: sessionId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.files.list.queryKey() });
  };
  const save = useMutation(
    trpc.checks.setAssignment.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        refresh();
      },
    }),
  );
  const hide = useMutation(
    trpc.checks.hideFiles.mutationOptions({
      onSuccess: () => {
        setToHide("");
        refresh();
      },
    }),
  );
  const tryIt = useMutation(trpc.checks.run.mutationOptions());
  const change = (): void => setSaved(false);

  const submit = (): void =>
    save.mutate({
      id: sessionId,
      assignment: {
        command: command.trim() === "" ? null : command,
        feedback,
        timeout_seconds: timeout,
        deadline: fromLocalInput(deadline),
        files,
      },
    });

  return (
    <div className="mt-2 space-y-3 text-sm">
      <p className="text-xs text-stone-600 dark:text-stone-400">
        Students press Check to run your tests against a copy of their work. Hidden files never enter their workspace: they are
        laid over the copy, at their paths, only while the tests run.
      </p>
      <label className="block space-y-1">
        <span className="text-xs font-semibold">Test command (runs in /workspace)</span>
        <input
          className={`${field} w-full font-mono`}
          value={command}
          placeholder="python3 -m unittest discover -s tests -v"
          onChange={(event) => {
            setCommand(event.target.value);
            change();
          }}
        />
      </label>
      <label className="flex flex-wrap items-center gap-2">
        <span className="text-xs">Start from</span>
        <select
          className={field}
          value=""
          aria-label="Test command preset"
          onChange={(event) => {
            const preset = COMMAND_PRESETS.find((p) => p.label === event.target.value);
            if (!preset) return;
            setCommand(preset.command);
            if (!files.some((f) => f.path === preset.example.path)) setFiles((list) => [...list, { ...preset.example }]);
            change();
          }}
        >
          <option value="">a kind of test…</option>
          {COMMAND_PRESETS.map((preset) => (
            <option key={preset.label}>{preset.label}</option>
          ))}
        </select>
      </label>

      <fieldset className="space-y-1">
        <legend className="text-xs font-semibold">Hidden files ({files.length})</legend>
        <ul className="space-y-1" aria-label="Hidden files">
          {files.map((file, index) => (
            <li key={index} className="rounded border border-stone-200 p-1 dark:border-stone-800" data-testid="hidden-file">
              <div className="flex items-center gap-2">
                <input
                  aria-label="Hidden file path"
                  className={`${field} flex-1 font-mono text-xs`}
                  value={file.path}
                  onChange={(event) => {
                    const path = event.target.value;
                    setFiles((list) => list.map((f, i) => (i === index ? { ...f, path } : f)));
                    change();
                  }}
                />
                <Button variant="ghost" onClick={() => setEditing(editing === index ? null : index)}>
                  {editing === index ? "Close" : "Edit"}
                </Button>
                <Button
                  variant="ghost"
                  aria-label={`Remove ${file.path}`}
                  onClick={() => {
                    setFiles((list) => list.filter((_, i) => i !== index));
                    setEditing(null);
                    change();
                  }}
                >
                  Remove
                </Button>
              </div>
              {editing === index && (
                <textarea
                  aria-label={`Content of ${file.path}`}
                  className={`${field} mt-1 h-48 w-full font-mono text-xs`}
                  spellCheck={false}
                  value={file.content}
                  onChange={(event) => {
                    const content = event.target.value;
                    setFiles((list) => list.map((f, i) => (i === index ? { ...f, content } : f)));
                    change();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap items-center gap-2">
          <Button
            onClick={() => {
              setFiles((list) => [...list, { path: `tests/new_${list.length + 1}.txt`, content: "" }]);
              setEditing(files.length);
              change();
            }}
          >
            Add a hidden file
          </Button>
          <input
            className={`${field} font-mono text-xs`}
            aria-label="Workspace file or folder to hide"
            placeholder="tests/"
            value={toHide}
            onChange={(event) => setToHide(event.target.value)}
          />
          <Button
            disabled={toHide.trim() === "" || hide.isPending}
            onClick={() => hide.mutate({ id: sessionId, paths: [toHide.trim()] })}
            title="Moves these files out of your workspace into the hidden files"
          >
            Hide from the workspace
          </Button>
        </div>
        {hide.isError && (
          <p role="alert" className="text-red-700 dark:text-red-300">
            {hide.error.message}
          </p>
        )}
      </fieldset>

      <div className="flex flex-wrap items-end gap-3">
        <label className="space-y-1">
          <span className="block text-xs font-semibold">Students see</span>
          <select
            className={field}
            value={feedback}
            onChange={(event) => {
              setFeedback(event.target.value as CheckFeedback);
              change();
            }}
          >
            {CHECK_FEEDBACK.map((value) => (
              <option key={value} value={value}>
                {FEEDBACK_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
        <label className="space-y-1">
          <span className="block text-xs font-semibold">Time limit (s)</span>
          <input
            type="number"
            className={`${field} w-20`}
            min={ASSIGNMENT_LIMITS.timeoutSeconds.min}
            max={ASSIGNMENT_LIMITS.timeoutSeconds.max}
            value={timeout}
            onChange={(event) => {
              setTimeoutSeconds(Number(event.target.value));
              change();
            }}
          />
        </label>
        <label className="space-y-1">
          <span className="block text-xs font-semibold">Deadline (optional)</span>
          <input
            type="datetime-local"
            aria-label="Deadline"
            className={field}
            value={deadline}
            onChange={(event) => {
              setDeadline(event.target.value);
              change();
            }}
          />
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="primary" onClick={submit} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save assignment"}
        </Button>
        <Button
          onClick={() => tryIt.mutate({ id: sessionId })}
          disabled={tryIt.isPending || !initial.command}
          title="Runs the saved checks against your own workspace"
        >
          {tryIt.isPending ? "Checking…" : "Try the checks on this template"}
        </Button>
        {saved && !save.isPending && (
          <span role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            Saved
          </span>
        )}
      </div>
      {save.isError && (
        <p role="alert" className="text-red-700 dark:text-red-300">
          {save.error.message}
        </p>
      )}
      {tryIt.isError && (
        <p role="alert" className="text-red-700 dark:text-red-300">
          {tryIt.error.message}
        </p>
      )}
      {tryIt.data && <CheckResults check={tryIt.data} />}
    </div>
  );
}
