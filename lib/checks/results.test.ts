import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHECK_MAX_TESTS, parseCheckOutput } from "./results";

/** Output recorded from the real runners in Sandpit's runtime image (and pytest 9). */
const fixture = (name: string): string => readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");

describe("reading a check command's output", () => {
  it("reads python3 -m unittest -v, with a docstring line, an error, a skip and the assertion's words", () => {
    const parsed = parseCheckOutput(fixture("unittest.txt"), 1);
    expect(parsed.format).toBe("unittest");
    expect(parsed.tests).toEqual([
      { name: "test_main.TestAdd › test_boom", status: "failed", message: "ValueError: boom" },
      {
        name: "test_main.TestAdd › test_negative",
        status: "failed",
        message: "AssertionError: -3 != -4 : negatives add up",
      },
      { name: "test_main.TestAdd › test_skip", status: "skipped", message: null },
      { name: "test_main.TestAdd › test_small", status: "passed", message: null },
    ]);
  });

  it("reads node --test's TAP: leaves of nested suites, named after their suite, with multi-line errors", () => {
    const parsed = parseCheckOutput(fixture("node-tap.txt"), 1);
    expect(parsed.format).toBe("tap");
    expect(parsed.tests).toEqual([
      { name: "adds small numbers", status: "passed", message: null },
      { name: "adds negatives", status: "failed", message: "Expected values to be strictly equal:\n\n-3 !== -4" },
      { name: "group › inner ok", status: "passed", message: null },
      { name: "group › inner bad", status: "failed", message: "bad\nline2" },
    ]);
  });

  it("reads go test -json, with a test's own log lines as its message", () => {
    const parsed = parseCheckOutput(fixture("go-test-json.txt"), 1);
    expect(parsed.format).toBe("go-test-json");
    expect(parsed.tests).toEqual([
      { name: "TestSmall", status: "passed", message: null },
      { name: "TestNeg", status: "failed", message: "main_test.go:4: Add(-1, -2) = -3, want -4" },
    ]);
  });

  it("reads Sandpit's test-function runner, whose failed asserts show their source line", () => {
    const parsed = parseCheckOutput(fixture("test-functions.txt"), 1);
    expect(parsed.format).toBe("tap");
    expect(parsed.tests).toEqual([
      { name: "tests/test_add.py::test_small", status: "passed", message: null },
      {
        name: "tests/test_add.py::test_neg",
        status: "failed",
        message: 'assert add(-1, -2) == -4, "negatives add up"\nnegatives add up',
      },
      { name: "tests/test_add.py::test_err", status: "failed", message: "KeyError: 'x'" },
    ]);
  });

  it("reads pytest -v with its short summary", () => {
    const parsed = parseCheckOutput(fixture("pytest.txt"), 1);
    expect(parsed.format).toBe("pytest");
    expect(parsed.tests).toEqual([
      { name: "tests/test_add.py::test_small", status: "passed", message: null },
      { name: "tests/test_add.py::test_neg", status: "failed", message: "AssertionError: negatives add up" },
      { name: "tests/test_add.py::test_err", status: "failed", message: "KeyError: 'x'" },
      { name: "tests/test_more.py::test_skip", status: "skipped", message: null },
    ]);
  });

  it("reads a script's own TAP lines, with SKIP directives", () => {
    const output = "1..3\nok 1 - prints hello\nnot ok 2 - counts to three\nok 3 - later # SKIP not yet\n";
    expect(parseCheckOutput(output, 1).tests).toEqual([
      { name: "prints hello", status: "passed", message: null },
      { name: "counts to three", status: "failed", message: null },
      { name: "later", status: "skipped", message: null },
    ]);
  });

  it("counts output in no known form as one test decided by the exit code", () => {
    expect(parseCheckOutput("all good\n", 0)).toEqual({
      format: "exit-code",
      tests: [{ name: "the test command", status: "passed", message: null }],
    });
    const failed = parseCheckOutput("line 1\nexpected 3, got 4\n", 2);
    expect(failed.tests[0]).toEqual({
      name: "the test command",
      status: "failed",
      message: "it ended with exit code 2\nline 1\nexpected 3, got 4",
    });
  });

  it("fails a run whose listed tests passed but whose command failed or ran out of time", () => {
    const output = "TAP version 13\nok 1 - first\n";
    expect(parseCheckOutput(output, 0).tests.map((t) => t.status)).toEqual(["passed"]);
    expect(parseCheckOutput(output, 3).tests.at(-1)).toEqual({
      name: "the test command",
      status: "failed",
      message: "it ended with exit code 3",
    });
    expect(parseCheckOutput(output, null, true).tests.at(-1)?.message).toBe("it ran out of time before it finished");
  });

  it("bounds what it keeps: test count, name and message lengths", () => {
    const many = ["TAP version 13", ...Array.from({ length: 900 }, (_, i) => `ok ${i + 1} - ${"n".repeat(500)}`)].join("\n");
    const parsed = parseCheckOutput(many, 0);
    expect(parsed.tests).toHaveLength(CHECK_MAX_TESTS);
    expect(parsed.tests[0]?.name.length).toBe(200);
    const long = `TAP version 13\nnot ok 1 - x\n  ---\n  error: |-\n${Array.from({ length: 50 }, () => `    ${"e".repeat(300)}`).join("\n")}\n  ...\n`;
    const message = parseCheckOutput(long, 1).tests[0]?.message ?? "";
    expect(message.length).toBeLessThanOrEqual(1000);
    expect(message.split("\n").length).toBeLessThanOrEqual(13);
  });

  it("reads hostile output in linear time: long lines of spaces or colons do not stall the server", () => {
    // A student's code prints what it likes (up to the output limit) before or instead of the tests.
    const n = 100_000;
    const hostile: Array<[string, string, number | null]> = [
      ["trailing spaces in a failure message", `x${" ".repeat(n)}x`, 1],
      ["a TAP result line with a run of spaces", `TAP version 13\nok 1 x${" ".repeat(n)}y`, 0],
      ["a pytest-like line of colons", ":".repeat(n), 0],
      ["a pytest summary line of colons", `a::b PASSED\nFAILED ${":".repeat(n)}`, 1],
      ["many unittest failure headers without their rule", `t (m.T) ... FAIL\n${"FAIL: t (m.T)\n".repeat(n / 5)}`, 1],
      ["a YAML divider padded with spaces", `TAP version 13\nok 1 - a\n---${" ".repeat(n)}x`, 0],
    ];
    const slow = hostile
      .map(([what, output, exitCode]) => {
        const started = performance.now();
        parseCheckOutput(output, exitCode);
        return `${what}: ${Math.round(performance.now() - started)} ms`;
      })
      .filter((line) => Number(/(\d+) ms$/.exec(line)?.[1]) >= 500);
    expect(slow).toEqual([]);
  });
});
