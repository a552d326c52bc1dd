/**
 * Reading what a class's hidden tests printed: pass or fail per test, with a short message for
 * each failure. Test runners are told apart by their output, so a teacher writes a plain command:
 * `go test -json`, TAP (`node --test --test-reporter=tap`, Sandpit's test-function runner, a
 * script's own `ok` / `not ok` lines), `python3 -m unittest -v`, or `pytest -v`. Output in none of
 * these counts as one test that passes when the command exits with 0.
 */

export type TestStatus = "passed" | "failed" | "skipped";

export interface TestResult {
  name: string;
  status: TestStatus;
  /** Why it failed, in a few lines; null for tests that passed or said nothing. */
  message: string | null;
}

export type CheckFormat = "go-test-json" | "tap" | "unittest" | "pytest" | "exit-code";

export interface ParsedChecks {
  format: CheckFormat;
  tests: TestResult[];
}

/** Tests listed at most; a suite with more is cut here. */
export const CHECK_MAX_TESTS = 500;
/** Characters of one test's name and message kept at most. */
export const CHECK_NAME_CHARS = 200;
export const CHECK_MESSAGE_CHARS = 1_000;
/** Lines of one failure message kept at most. */
const MESSAGE_LINES = 12;

function clip(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** A message as shown: trimmed, at most MESSAGE_LINES lines and CHECK_MESSAGE_CHARS characters. */
export function shortMessage(text: string | null | undefined): string | null {
  if (!text) return null;
  const lines = text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    // trimEnd, not /\s+$/: that regex takes quadratic time on a long run of spaces.
    .map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) return null;
  const kept = lines.length > MESSAGE_LINES ? [...lines.slice(0, MESSAGE_LINES), "…"] : lines;
  return clip(kept.join("\n"), CHECK_MESSAGE_CHARS);
}

function result(name: string, status: TestStatus, message: string | null = null): TestResult {
  return {
    name: clip(name.trim() || "(unnamed test)", CHECK_NAME_CHARS),
    status,
    message: status === "failed" ? shortMessage(message) : null,
  };
}

/** `go test -json`: one JSON event a line; a test's own output lines become its message. */
function goTestJson(lines: string[]): TestResult[] | null {
  const output = new Map<string, string[]>();
  const tests: TestResult[] = [];
  let events = 0;
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    let event: { Action?: unknown; Test?: unknown; Package?: unknown; Output?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue;
    }
    if (typeof event.Action !== "string") continue;
    events += 1;
    if (typeof event.Test !== "string") continue;
    const key = `${String(event.Package)}\u0000${event.Test}`;
    if (event.Action === "output" && typeof event.Output === "string") {
      const text = event.Output;
      // The runner's own lines (=== RUN, --- FAIL) are not the test's message.
      if (!/^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP))/.test(text)) {
        const kept = output.get(key) ?? [];
        if (kept.length < MESSAGE_LINES) kept.push(text.trim());
        output.set(key, kept);
      }
    } else if (event.Action === "pass" || event.Action === "fail" || event.Action === "skip") {
      const status: TestStatus = event.Action === "pass" ? "passed" : event.Action === "fail" ? "failed" : "skipped";
      tests.push(result(event.Test, status, (output.get(key) ?? []).join("\n")));
    }
  }
  return events > 0 && tests.length > 0 ? tests : null;
}

/**
 * A TAP result line (`ok 3 - name # SKIP why`), read piece by piece: one regex for all of it
 * backtracks quadratically on long runs of spaces, and a test's output may print anything.
 */
function tapResult(line: string): { indent: number; ok: boolean; name: string; skip: boolean } | null {
  const head = /^(\s*)(not ok|ok)\b/i.exec(line);
  if (!head) return null;
  let rest = line.slice(head[0].length).trimStart();
  rest = rest.slice(/^\d*/.exec(rest)?.[0].length ?? 0).trimStart();
  if (rest.startsWith("-")) rest = rest.slice(1).trimStart();
  const directive = /\s#\s*(SKIP|TODO)\b/i.exec(rest);
  return {
    indent: (head[1] ?? "").length,
    ok: (head[2] ?? "").toLowerCase() === "ok",
    name: directive ? rest.slice(0, directive.index) : rest,
    skip: Boolean(directive),
  };
}

/**
 * TAP, with node:test's nested subtests (indented by 4) and YAML blocks: leaves are the tests, and
 * a group's name comes before its tests' (`group › test`). A failure's message is its `error:`.
 */
function tap(lines: string[]): TestResult[] | null {
  if (!lines.some((line) => /^\s*(not ok|ok)\b/.test(line))) return null;
  if (!lines.some((line) => /^(TAP version \d+|\s*1\.\.\d+)\s*$/.test(line))) return null;
  interface Pending {
    depth: number;
    name: string;
    ok: boolean;
    skip: boolean;
    message: string[];
    leaf: boolean;
  }
  const done: Array<Pending & { path: string[] }> = [];
  // Names of the groups whose results have not come yet, by depth ("# Subtest: name" opens one).
  const open: string[] = [];
  let inYaml: { indent: number; target: Pending; errorIndent: number | null } | null = null;
  for (const raw of lines) {
    if (inYaml) {
      const indent = raw.length - raw.trimStart().length;
      if (raw.trim() === "...") {
        inYaml = null;
        continue;
      }
      if (inYaml.errorIndent !== null && (indent > inYaml.indent || raw.trim() === "")) {
        inYaml.target.message.push(raw.slice(inYaml.errorIndent));
        continue;
      }
      inYaml.errorIndent = null;
      const field = /^\s*(error|message):\s*(.*)$/.exec(raw);
      if (field && inYaml.target.message.length === 0) {
        const value = field[2] ?? "";
        if (value === "|-" || value === "|" || value === ">-" || value === ">") inYaml.errorIndent = indent + 2;
        else inYaml.target.message.push(value.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1"));
      }
      continue;
    }
    const subtest = /^(\s*)# Subtest: (.*)$/.exec(raw);
    if (subtest) {
      const depth = Math.floor((subtest[1] ?? "").length / 4);
      open.length = depth;
      open[depth] = subtest[2] ?? "";
      continue;
    }
    const match = tapResult(raw);
    if (match) {
      const depth = Math.floor(match.indent / 4);
      const entry: Pending & { path: string[] } = {
        depth,
        name: match.name,
        ok: match.ok,
        skip: match.skip,
        message: [],
        leaf: true,
        path: open.slice(0, depth),
      };
      // A result one level up from earlier ones closes their group: it is no test of its own.
      for (let i = done.length - 1; i >= 0; i -= 1) {
        const earlier = done[i];
        if (!earlier || earlier.depth <= depth) break;
        if (earlier.depth === depth + 1) entry.leaf = false;
      }
      open.length = depth;
      done.push(entry);
      continue;
    }
    if (/^\s*---\s*$/.test(raw) && done.length > 0) {
      const target = done[done.length - 1] as Pending;
      inYaml = { indent: raw.length - raw.trimStart().length, target, errorIndent: null };
    }
  }
  const tests = done
    .filter((entry) => entry.leaf)
    .map((entry) =>
      result(
        [...entry.path.filter(Boolean), entry.name].join(" › "),
        entry.skip ? "skipped" : entry.ok ? "passed" : "failed",
        entry.message.join("\n"),
      ),
    );
  return tests.length > 0 ? tests : null;
}

/** `python3 -m unittest -v`: a line per test (`name (module.Class.name) ... ok`), then the failures' tracebacks. */
function unittest(lines: string[]): TestResult[] | null {
  const tests: TestResult[] = [];
  const byId = new Map<string, TestResult>();
  const verdict = /^(.*?) \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$/;
  const head = /^(\w+) \(([\w.]+?)\)$/;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? "";
    let match = verdict.exec(line);
    let name = match?.[1] ?? "";
    // A test with a docstring prints its first line on the next line, before the verdict.
    if (!match && head.test(line)) {
      const next = verdict.exec(lines[i + 1] ?? "");
      if (next) {
        match = next;
        name = line;
        i += 1;
      }
    }
    if (!match) continue;
    const parts = head.exec(name.trim());
    if (!parts) continue;
    const word = match[2] ?? "";
    const status: TestStatus =
      word === "ok" || word === "expected failure" ? "passed" : word.startsWith("skipped") ? "skipped" : "failed";
    // Python 3.11 names the test in full (module.Class.test); older ones name the class only.
    const id = parts[2] ?? "";
    const owner = id.endsWith(`.${parts[1]}`) ? id.slice(0, -(parts[1] ?? "").length - 1) : id;
    const test = result(`${owner} › ${parts[1] ?? ""}`, status);
    tests.push(test);
    byId.set(`${parts[1]} (${parts[2]})`, test);
  }
  if (tests.length === 0) return null;
  // "FAIL: name (id)" then a rule, the traceback, and a blank line: the traceback's last lines are the message.
  // The rule comes right after its header (or its docstring's line); each body is read once (the
  // scan goes on after it), so output full of headers without rules costs linear time.
  for (let i = 0; i < lines.length; i += 1) {
    const failure = /^(FAIL|ERROR): (\w+ \([\w.]+\))$/.exec(lines[i] ?? "");
    if (!failure) continue;
    const test = byId.get(failure[2] ?? "");
    let j = i + 1;
    while (j < lines.length && j <= i + 2 && !/^-{20,}$/.test(lines[j] ?? "")) j += 1;
    if (!/^-{20,}$/.test(lines[j] ?? "")) continue;
    const body: string[] = [];
    for (j += 1; j < lines.length && !/^(={20,}|-{20,})$/.test(lines[j] ?? ""); j += 1) body.push(lines[j] ?? "");
    i = j - 1;
    while (body.length > 0 && body[body.length - 1]?.trim() === "") body.pop();
    // What the assertion said: the lines after the traceback's last frame.
    const lastFrame = body.findLastIndex((line) => /^\s+File "/.test(line));
    const tail = lastFrame >= 0 ? body.slice(lastFrame + 2) : body;
    if (test && test.status === "failed") test.message = shortMessage(tail.join("\n") || body.join("\n"));
  }
  return tests;
}

/**
 * A pytest test id (`path::name`: no spaces, `::` inside) at the start of `text`, and what follows
 * it. Found without a regex like /\S+::\S+ /, which backtracks quadratically on a long line of colons.
 */
function pytestId(text: string): { id: string; rest: string } | null {
  const id = /^\S+/.exec(text)?.[0] ?? "";
  const colons = id.indexOf("::", 1);
  if (colons < 1 || colons > id.length - 3) return null;
  return { id, rest: text.slice(id.length) };
}

/** `pytest -v`: `path::name PASSED`, and the short summary's `FAILED path::name - message`. */
function pytest(lines: string[]): TestResult[] | null {
  const tests = new Map<string, TestResult>();
  for (const line of lines) {
    const found = pytestId(line);
    const word = found ? /^ (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/.exec(found.rest)?.[1] : undefined;
    if (!found || !word) continue;
    const status: TestStatus = word === "PASSED" || word === "XFAIL" ? "passed" : word === "SKIPPED" ? "skipped" : "failed";
    tests.set(found.id, result(found.id, status));
  }
  if (tests.size === 0) return null;
  for (const line of lines) {
    const prefix = /^(?:FAILED|ERROR) /.exec(line)?.[0];
    const found = prefix ? pytestId(line.slice(prefix.length)) : null;
    const test = found?.rest.startsWith(" - ") ? tests.get(found.id) : undefined;
    if (found && test && test.status === "failed") test.message = shortMessage(found.rest.slice(3));
  }
  return [...tests.values()];
}

/**
 * The tests in a check command's output. `exitCode` decides when the output is in no known form,
 * and a command that failed although every test it listed passed gets a failing line of its own.
 */
export function parseCheckOutput(output: string, exitCode: number | null, timedOut = false): ParsedChecks {
  const lines = output.replace(/\r\n?/g, "\n").split("\n");
  const formats: Array<[Exclude<CheckFormat, "exit-code">, (lines: string[]) => TestResult[] | null]> = [
    ["go-test-json", goTestJson],
    ["tap", tap],
    ["unittest", unittest],
    ["pytest", pytest],
  ];
  for (const [format, parse] of formats) {
    const tests = parse(lines);
    if (!tests) continue;
    const kept = tests.slice(0, CHECK_MAX_TESTS);
    if (timedOut) kept.push(result("the test command", "failed", "it ran out of time before it finished"));
    else if (exitCode !== 0 && kept.every((test) => test.status !== "failed"))
      kept.push(result("the test command", "failed", `it ended with exit code ${exitCode ?? "unknown"}`));
    return { format, tests: kept };
  }
  const tail = lines.filter((line) => line.trim() !== "").slice(-MESSAGE_LINES);
  const passed = exitCode === 0 && !timedOut;
  const message = timedOut
    ? "it ran out of time before it finished"
    : `it ended with exit code ${exitCode ?? "unknown"}\n${tail.join("\n")}`;
  return { format: "exit-code", tests: [result("the test command", passed ? "passed" : "failed", message)] };
}
