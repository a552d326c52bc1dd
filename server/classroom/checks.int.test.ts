import { randomBytes } from "node:crypto";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckService } from "@/server/classroom/checks";
import { sessions } from "@/server/db/schema";
import { createMcpServer } from "@/server/mcp/server";
import { handleRest } from "@/server/rest/router";
import type { Services } from "@/server/services";
import { browserCaller, keyCaller, shareCaller, SYSTEM, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);
const teacher = browser("check-teacher");
const sam = browser("check-sam");
const kim = browser("check-kim");
const stranger = browser("check-stranger");
/** A word only the hidden files hold: found anywhere a student can reach, it leaked. */
const MARKER = `hidden-${randomBytes(6).toString("hex")}`;

const HIDDEN_TEST = `# ${MARKER}
import unittest
from main import add

class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_negative(self):
        self.assertEqual(add(-1, -2), -3, "negatives add up")
`;

let classToken = "";
let samCopy = "";
let kimCopy = "";

beforeAll(async () => {
  services = await testServices();
  await services.sessions.create(teacher, { language: "python", session_id: "chk-template", entry_file: "main.py" });
  await services.actions.writeFile(teacher, "chk-template", "main.py", Buffer.from("def add(a, b):\n    return 0\n"));
  // The teacher writes the tests in their workspace, then hides them: they leave the workspace.
  await services.actions.writeFile(teacher, "chk-template", "tests/test_main.py", Buffer.from(HIDDEN_TEST));
  await services.checks.setAssignment(teacher, "chk-template", {
    command: "python3 -m unittest discover -s tests -v",
    feedback: "messages",
  });
  const hidden = await services.checks.hideFiles(teacher, "chk-template", ["tests"]);
  expect(hidden.files.map((f) => f.path)).toEqual(["tests/test_main.py"]);
  classToken = (await services.shares.create(teacher, "chk-template", "class")).token;
  samCopy = (await services.sessions.joinClass(shareCaller(classToken, sam), { name: "Sam" })).id;
  kimCopy = (await services.sessions.joinClass(shareCaller(classToken, kim), { name: "Kim" })).id;
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

describe("Check with hidden tests", () => {
  it("runs the hidden tests against a copy of the student's work: per-test results and the messages the teacher allows", async () => {
    const first = await services.checks.check(sam, samCopy);
    expect(first.status).toBe("failed");
    expect(first.tests).toEqual([
      { name: "test_main.TestAdd › test_negative", status: "failed", message: "AssertionError: 0 != -3 : negatives add up" },
      { name: "test_main.TestAdd › test_small", status: "failed", message: "AssertionError: 0 != 3" },
    ]);
    // "messages": why a test failed, not everything the tests printed.
    expect(first.output).toBeNull();

    await services.actions.writeFile(sam, samCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
    const second = await services.checks.check(sam, samCopy);
    expect([second.status, second.passed, second.failed]).toEqual(["passed", 2, 0]);

    // The teacher sees everything, the dashboard everyone's latest check.
    const status = await services.checks.status(sam, samCopy);
    expect(status).toMatchObject({ available: true, deadline: null, closed: false, feedback: "messages" });
    expect(status.latest?.id).toBe(second.id);
    const teacherView = await services.checks.history(teacher, samCopy);
    expect(teacherView.map((c) => c.status)).toEqual(["passed", "failed"]);
    expect(teacherView[1]?.output).toContain("FAILED (failures=2)");
    const standing = await services.checks.classProgress(teacher, "chk-template");
    expect(standing.map((s) => [s.name, s.state]).sort()).toEqual([
      ["Kim", "not started"],
      ["Sam", "checks passing"],
    ]);

    // "results": pass or fail only.
    await services.checks.setAssignment(teacher, "chk-template", { feedback: "results" });
    await services.actions.writeFile(kim, kimCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b if a > 0 else 0\n"));
    await services.actions.run(kim, kimCopy, { file: "main.py" });
    expect((await services.checks.classProgress(teacher, "chk-template")).find((s) => s.name === "Kim")?.state).toBe("working");
    const kims = await services.checks.check(kim, kimCopy);
    expect(kims.tests.map((t) => [t.status, t.message])).toEqual([
      ["failed", null],
      ["passed", null],
    ]);
    expect((await services.checks.classProgress(teacher, "chk-template")).find((s) => s.name === "Kim")?.state).toBe(
      "checks failing",
    );
    await services.checks.setAssignment(teacher, "chk-template", { feedback: "messages" });
  });

  it("keeps the hidden files out of every route a student has: files, shells, runs, archive, fork, MCP, snapshot, assignment", async () => {
    await services.actions.writeFile(sam, samCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
    expect((await services.checks.check(sam, samCopy)).status).toBe("passed");
    const sees = (text: string): boolean => text.includes(MARKER);
    // The file API, on the copy and on the template they may not even read.
    const listed = await services.actions.listFiles(sam, samCopy, ".", true);
    expect(listed.map((f) => f.path)).not.toContain("tests/test_main.py");
    await expect(services.actions.readFile(sam, samCopy, "tests/test_main.py")).rejects.toThrow();
    await expect(services.actions.listFiles(sam, "chk-template", ".", true)).rejects.toThrow("does not exist");
    // A shell and a run search the whole sandbox for the marker.
    // The marker is put together at run time: the search's own code must not hold it.
    const search = `a='${MARKER.slice(0, 4)}'; b='${MARKER.slice(4)}'; grep -rl "$a$b" /workspace /tmp /home /root /opt /var /run /dev/shm 2>/dev/null; echo searched`;
    const shell = await services.actions.exec(sam, samCopy, { command: search, timeout: 120 });
    expect(shell.stdout).toBe("searched\n");
    const run = await services.actions.run(sam, samCopy, { language: "bash", code: search, timeout: 120 });
    expect(run.stdout).toBe("searched\n");
    // The workspace archive.
    const archive = gunzipSync(await buffer(await services.actions.download(sam, samCopy)));
    expect(archive.length).toBeGreaterThan(0);
    expect(sees(archive.toString("latin1"))).toBe(false);
    // A fork of the copy.
    const fork = await services.sessions.fork(sam, samCopy);
    expect((await services.actions.listFiles(sam, fork.id, ".", true)).map((f) => f.path)).not.toContain("tests/test_main.py");
    expect((await services.checks.status(sam, fork.id)).available).toBe(false);
    // MCP, as the student.
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(services, sam).connect(serverSide);
    const mcp = new Client({ name: "check-test", version: "1.0.0" });
    await mcp.connect(clientSide);
    const read = await mcp.callTool({ name: "read_file", arguments: { session_id: samCopy, path: "tests/test_main.py" } });
    expect(read.isError).toBe(true);
    expect(sees(JSON.stringify(read))).toBe(false);
    await mcp.close();
    // The snapshot a hibernating copy leaves in the object store.
    await services.sandboxes.hibernate(samCopy);
    const snapshots = await services.store.list(`snapshots/${samCopy}/`);
    expect(snapshots).toHaveLength(1);
    const snapshot = gunzipSync(await buffer(await services.store.get(snapshots[0]?.key ?? "")));
    expect(snapshot.toString("latin1")).toContain("return a + b");
    expect(sees(snapshot.toString("latin1"))).toBe(false);
    // The template's own workspace lost them when they were hidden, and the assignment is the teacher's alone.
    const template = await services.actions.listFiles(teacher, "chk-template", ".", true);
    expect(template.map((f) => f.path)).not.toContain("tests/test_main.py");
    // The folder they were in went with them: copies do not even get an empty tests/.
    expect(template.map((f) => f.path)).not.toContain("tests");
    expect(listed.map((f) => f.path)).not.toContain("tests");
    await expect(services.checks.assignment(sam, "chk-template")).rejects.toThrow("does not exist");
    await expect(services.checks.assignment(sam, samCopy)).rejects.toThrow("a class copy has no assignment of its own");
    expect(sees(JSON.stringify(await services.checks.assignment(teacher, "chk-template")))).toBe(true);
  });

  it("lets the owner and their teacher check a copy, nobody else; bad assignments get a message saying what to fix", async () => {
    await expect(services.checks.check(stranger, samCopy)).rejects.toThrow("does not exist");
    const viewLink = await services.shares.create(teacher, "chk-template", "view");
    await expect(services.checks.check(shareCaller(viewLink.token, stranger), "chk-template")).rejects.toThrow(
      "only this session's owner and their teacher can check it",
    );
    // The teacher checks a student's copy, and their own template (with its stub: failing).
    expect((await services.checks.check(teacher, samCopy)).status).toBe("passed");
    expect((await services.checks.check(teacher, "chk-template")).status).toBe("failed");
    await expect(services.checks.setAssignment(sam, samCopy, { command: "true" })).rejects.toThrow();
    await expect(services.checks.setAssignment(stranger, "chk-template", { command: "true" })).rejects.toThrow("does not exist");
    const bad = async (input: unknown): Promise<string> =>
      services.checks.setAssignment(teacher, "chk-template", input).then(
        () => "accepted",
        (error: Error) => error.message,
      );
    expect(await bad({ files: [{ path: "../etc/passwd", content: "x" }] })).toContain("must not have empty, . or .. parts");
    expect(await bad({ files: [{ path: "/abs.py", content: "x" }] })).toContain("must be relative to the workspace");
    expect(await bad({ timeout_seconds: 0 })).toContain("timeout_seconds");
    expect(await bad({ deadline: "tomorrow" })).toContain("deadline is a date and time");
    expect(await bad({ files: Array.from({ length: 51 }, (_, i) => ({ path: `t${i}.py`, content: "" })) })).toContain(
      "at most 50 hidden files",
    );
    expect(await bad({ nonsense: true })).toContain("nonsense");
    // Nothing of the refused inputs was kept.
    expect((await services.checks.assignment(teacher, "chk-template")).files.map((f) => f.path)).toEqual(["tests/test_main.py"]);
  });

  it("reports checks that run out of time, and work that sits where the tests go", async () => {
    await services.sessions.create(teacher, { language: "bash", session_id: "chk-slow" });
    await services.checks.setAssignment(teacher, "chk-slow", { command: "echo starting; sleep 30", timeout_seconds: 2 });
    const slow = await services.checks.check(teacher, "chk-slow");
    expect(slow.status).toBe("failed");
    expect(slow.tests).toEqual([
      { name: "the test command", status: "failed", message: "it ran out of time before it finished" },
    ]);

    await services.checks.setAssignment(teacher, "chk-slow", {
      command: "bash tests/check.sh",
      timeout_seconds: 20,
      files: [{ path: "tests/check.sh", content: "echo ok 1 - fine\necho 1..1\n" }],
    });
    // A folder of the student's where a hidden file goes.
    await services.actions.makeDirectory(teacher, "chk-slow", "tests/check.sh");
    const blocked = await services.checks.check(teacher, "chk-slow");
    expect(blocked.status).toBe("error");
    expect(blocked.problem).toContain("the tests could not be put next to your work");
    await services.actions.deleteFile(teacher, "chk-slow", "tests/check.sh", true);
    const fine = await services.checks.check(teacher, "chk-slow");
    expect([fine.status, fine.tests]).toEqual(["passed", [{ name: "fine", status: "passed", message: null }]]);
  });
});

describe("what checks leave behind", () => {
  it("keeps a session's newest checks only, and clears throwaway copies an interrupted check left", async () => {
    await services.sessions.create(teacher, { language: "bash", session_id: "chk-kept" });
    await services.checks.setAssignment(teacher, "chk-kept", {
      command: "bash tests/check.sh",
      files: [{ path: "tests/check.sh", content: "echo ok 1 - fine\n" }],
    });
    const keepingTwo = new CheckService({
      db: services.database.db,
      sessions: services.sessions,
      sandboxes: services.sandboxes,
      log: pino({ level: "silent" }),
      kept: 2,
    });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await keepingTwo.check(teacher, "chk-kept")).id);
    const history = await services.checks.history(teacher, "chk-kept");
    expect(history.map((check) => check.id)).toEqual([made[2], made[1]]);

    // A throwaway copy as a server that stopped mid-check leaves it: older than the cut-off, it goes.
    const left = await services.sessions.fork(SYSTEM, "chk-kept", { throwaway: true });
    const young = await services.sessions.fork(SYSTEM, "chk-kept", { throwaway: true });
    await services.database.db
      .update(sessions)
      .set({ createdAt: new Date(Date.now() - 3 * 3_600_000) })
      .where(eq(sessions.id, left.id));
    const cleared = await services.sessions.clearThrowaways(new Date(Date.now() - 2 * 3_600_000));
    expect(cleared).toEqual([left.id]);
    expect(await services.sandboxes.state(left.id)).toBe("none");
    await expect(services.sessions.get(SYSTEM, left.id)).rejects.toThrow(/not found|does not exist/i);
    expect((await services.sessions.get(SYSTEM, young.id)).id).toBe(young.id);
    // The owner's own session is never a throwaway.
    expect((await services.sessions.get(teacher, "chk-kept")).id).toBe("chk-kept");
    await services.sessions.delete(SYSTEM, young.id);
  });
});

describe("checks in each language", () => {
  it("reads node:test, go test and pytest-style test functions", async () => {
    await services.sessions.create(teacher, { language: "javascript", session_id: "chk-node" });
    await services.actions.writeFile(teacher, "chk-node", "main.js", Buffer.from("exports.add = (a, b) => a + b;\n"));
    await services.checks.setAssignment(teacher, "chk-node", {
      command: "node --test --test-reporter=tap",
      files: [
        {
          path: "tests/add.test.js",
          content: `const test = require("node:test");\nconst assert = require("node:assert");\nconst { add } = require("../main.js");\ntest("adds", () => assert.strictEqual(add(2, 2), 4));\ntest("subtracts", () => assert.strictEqual(add(2, -2), 1));\n`,
        },
      ],
    });
    const node = await services.checks.check(teacher, "chk-node");
    expect(node.tests.map((t) => [t.name, t.status])).toEqual([
      ["adds", "passed"],
      ["subtracts", "failed"],
    ]);
    expect(node.tests[1]?.message).toContain("0 !== 1");

    await services.sessions.create(teacher, { language: "go", session_id: "chk-go" });
    await services.actions.writeFile(teacher, "chk-go", "go.mod", Buffer.from("module example.com/lesson\n\ngo 1.19\n"));
    await services.actions.writeFile(
      teacher,
      "chk-go",
      "main.go",
      Buffer.from("package main\n\nfunc Add(a, b int) int { return a + b }\n\nfunc main() {}\n"),
    );
    await services.checks.setAssignment(teacher, "chk-go", {
      command: "go test -json .",
      timeout_seconds: 120,
      files: [
        {
          path: "main_test.go",
          content: `package main\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 2) != 4 {\n\t\tt.Fatal("2 + 2")\n\t}\n}\n\nfunc TestWrong(t *testing.T) {\n\tif got := Add(1, 1); got != 3 {\n\t\tt.Errorf("Add(1, 1) = %d, want 3", got)\n\t}\n}\n`,
        },
      ],
    });
    const go = await services.checks.check(teacher, "chk-go");
    expect(go.tests).toEqual([
      { name: "TestAdd", status: "passed", message: null },
      { name: "TestWrong", status: "failed", message: "main_test.go:13: Add(1, 1) = 2, want 3" },
    ]);

    await services.sessions.create(teacher, { language: "python", session_id: "chk-functions" });
    await services.actions.writeFile(teacher, "chk-functions", "main.py", Buffer.from("def double(x):\n    return x * 2\n"));
    await services.checks.setAssignment(teacher, "chk-functions", {
      command: "python3 .sandpit-check/test_functions.py tests",
      files: [
        {
          path: "tests/test_double.py",
          content:
            "from main import double\n\ndef test_two():\n    assert double(2) == 4\n\ndef test_three():\n    assert double(3) == 7\n",
        },
      ],
    });
    const functions = await services.checks.check(teacher, "chk-functions");
    expect(functions.tests).toEqual([
      { name: "tests/test_double.py::test_two", status: "passed", message: null },
      { name: "tests/test_double.py::test_three", status: "failed", message: "assert double(3) == 7" },
    ]);
  });
});

describe("deadlines", () => {
  it("make copies read-only for their students afterwards, until the teacher gives one more time", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    await services.checks.setAssignment(teacher, "chk-template", { deadline: past });
    await expect(services.actions.writeFile(kim, kimCopy, "main.py", Buffer.from("x"))).rejects.toThrow(
      `the deadline of this class was ${past}: your work is kept, read-only`,
    );
    await expect(services.actions.run(kim, kimCopy, { file: "main.py" })).rejects.toThrow("read-only");
    await expect(services.actions.exec(kim, kimCopy, { command: "touch x" })).rejects.toThrow("read-only");
    expect(await services.sessions.permissions(kim, kimCopy)).toEqual({ write: false, deadline_passed: past });
    expect((await services.actions.readFile(kim, kimCopy, "main.py")).data.toString()).toContain("else 0");
    expect(await services.checks.status(kim, kimCopy)).toMatchObject({ deadline: past, closed: true });
    // Checking changes nothing of the work: it stays possible.
    expect((await services.checks.check(kim, kimCopy)).status).toBe("failed");

    // One more day for Kim alone; Sam's copy stays closed.
    const later = new Date(Date.now() + 86_400_000).toISOString();
    await expect(services.sessions.setCopyDeadline(kim, kimCopy, later)).rejects.toThrow("does not exist");
    expect(await services.sessions.setCopyDeadline(teacher, kimCopy, later)).toEqual({ deadline: later });
    await services.actions.writeFile(kim, kimCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
    await expect(services.actions.writeFile(sam, samCopy, "main.py", Buffer.from("x"))).rejects.toThrow("read-only");
    const standing = await services.checks.classProgress(teacher, "chk-template");
    expect(standing.map((s) => [s.name, s.deadline, s.own_deadline]).sort()).toEqual([
      ["Kim", later, true],
      ["Sam", past, false],
    ]);
    // The teacher's own template is never closed by it.
    await services.actions.writeFile(teacher, "chk-template", "notes.md", Buffer.from("fine\n"));
    await services.checks.setAssignment(teacher, "chk-template", { deadline: null });
    await services.actions.writeFile(sam, samCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
  });
});

describe("checks over REST and MCP", () => {
  it("sets an assignment, checks and lists checks through the API with an API key; bad input is a 400 saying what to fix", async () => {
    const { key, info } = await services.apiKeys.create("course-bot", 10_000);
    const { key: otherKey } = await services.apiKeys.create("other-bot", 10_000);
    const bot = keyCaller(info.id);
    const rest = (path: string, init: RequestInit = {}, as = key): Promise<Response> =>
      handleRest(
        new Request(`http://127.0.0.1${path}`, {
          ...init,
          headers: { authorization: `Bearer ${as}`, "content-type": "application/json", ...init.headers },
        }),
        services,
      );
    await services.sessions.create(bot, { language: "bash", session_id: "chk-rest" });
    await services.actions.writeFile(bot, "chk-rest", "greet.sh", Buffer.from("echo hello\n"));
    const put = await rest("/api/sessions/chk-rest/assignment", {
      method: "PUT",
      body: JSON.stringify({
        command: "bash tests/t.sh",
        feedback: "output",
        files: [
          {
            path: "tests/t.sh",
            content: '[ "$(bash greet.sh)" = hello ] && echo "ok 1 - greets" || echo "not ok 1 - greets"\necho 1..1\n',
          },
        ],
      }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { files: Array<{ bytes: number }> }).files[0]?.bytes).toBeGreaterThan(10);
    const bad = await rest("/api/sessions/chk-rest/assignment", {
      method: "PUT",
      body: JSON.stringify({ feedback: "everything" }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("feedback is one of results, messages, output");
    expect((await rest("/api/sessions/chk-rest/assignment", {}, otherKey)).status).toBe(404);
    expect((await rest("/api/sessions/chk-rest/checks", { method: "POST" }, otherKey)).status).toBe(404);

    const checked = await rest("/api/sessions/chk-rest/checks", { method: "POST" });
    expect(checked.status).toBe(200);
    expect(await checked.json()).toMatchObject({
      status: "passed",
      tests: [{ name: "greets", status: "passed" }],
      output: "ok 1 - greets\n1..1\n",
    });
    const listed = (await (await rest("/api/sessions/chk-rest/checks")).json()) as { available: boolean; checks: unknown[] };
    expect([listed.available, listed.checks.length]).toEqual([true, 1]);

    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createMcpServer(services, bot).connect(serverSide);
    const mcp = new Client({ name: "check-test", version: "1.0.0" });
    await mcp.connect(clientSide);
    const viaMcp = await mcp.callTool({ name: "run_checks", arguments: { session_id: "chk-rest" } });
    expect(viaMcp.isError).toBeFalsy();
    expect(JSON.stringify(viaMcp)).toContain('\\"status\\": \\"passed\\"');
    await mcp.close();
  });
});
