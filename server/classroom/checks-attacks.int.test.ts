import { randomBytes } from "node:crypto";
import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions } from "@/server/db/schema";
import type { Services } from "@/server/services";
import { browserCaller, shareCaller, SYSTEM, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";
import { waitFor } from "@/test/wait";

/** A class whose students try to get past what Check and deadlines promise. */
let services: Services & AsyncDisposable;
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);
const teacher = browser("atk-teacher");
const eve = browser("atk-eve");
const mallory = browser("atk-mallory");
const MARKER = `hidden-${randomBytes(6).toString("hex")}`;

const HIDDEN_TEST = `# ${MARKER}
import unittest
from main import add

class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)
`;

/** Check copies there are now: sessions of the server's own (embed:…) owners. */
const checkCopies = async (): Promise<number> =>
  (await services.database.db.select({ id: sessions.id }).from(sessions).where(like(sessions.owner, "embed:%"))).length;

let classToken = "";
let eveCopy = "";

beforeAll(async () => {
  services = await testServices();
  await services.sessions.create(teacher, { language: "python", session_id: "atk-template", entry_file: "main.py" });
  await services.actions.writeFile(teacher, "atk-template", "main.py", Buffer.from("def add(a, b):\n    return 0\n"));
  await services.checks.setAssignment(teacher, "atk-template", {
    command: "python3 -m unittest discover -s tests -v",
    feedback: "results",
    files: [{ path: "tests/test_main.py", content: HIDDEN_TEST }],
  });
  classToken = (await services.shares.create(teacher, "atk-template", "class")).token;
  eveCopy = (await services.sessions.joinClass(shareCaller(classToken, eve), { name: "Eve" })).id;
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

describe("hidden tests under the strictest feedback", () => {
  it("show a student nothing of the hidden files: not even through test names their own code prints", async () => {
    // Eve's code runs in the tests' process (the tests import it): it reads the hidden file and
    // prints its lines as TAP results, which the parser prefers to unittest's own lines.
    const main = [
      "import os, sys",
      "lines = open(os.path.join(os.path.dirname(__file__), 'tests', 'test_main.py')).read().splitlines()",
      "print('TAP version 13')",
      "for i, line in enumerate(lines): print(f'ok {i + 1} - {line}')",
      "print(f'1..{len(lines)}')",
      "sys.stdout.flush()",
      "def add(a, b):\n    return 0",
    ].join("\n");
    await services.actions.writeFile(eve, eveCopy, "main.py", Buffer.from(`${main}\n`));
    const seen = await services.checks.check(eve, eveCopy);
    // "results" is pass or fail per test: the student sees the names of the tests.
    expect(seen.output).toBeNull();
    expect(seen.tests.every((test) => test.message === null)).toBe(true);
    expect(JSON.stringify(seen)).not.toContain(MARKER);
  });
});

describe("deadlines", () => {
  it("leave no process of the student's running in their copy to change it afterwards", async () => {
    await services.actions.writeFile(eve, eveCopy, "main.py", Buffer.from("def add(a, b):\n    return a + b\n"));
    // Before the deadline: a job that outlives its command and the deadline, and edits the work later.
    await services.actions.exec(eve, eveCopy, {
      command: "nohup setsid sh -c 'sleep 6; echo \"# written after the deadline\" >> main.py' >/dev/null 2>&1 &",
    });
    await services.checks.setAssignment(teacher, "atk-template", { deadline: new Date(Date.now() - 1_000).toISOString() });
    try {
      await expect(services.actions.writeFile(eve, eveCopy, "main.py", Buffer.from("x"))).rejects.toThrow("read-only");
      // The copy is closed, yet Eve's job still runs in it and changes her work after the deadline.
      const startedAt = Date.now();
      let text = "";
      while (Date.now() - startedAt < 12_000) {
        text = (await services.actions.readFile(teacher, eveCopy, "main.py")).data.toString();
        if (text.includes("after the deadline")) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(text).not.toContain("written after the deadline");
      const ps = await services.actions.exec(SYSTEM, eveCopy, { command: "ps -eo args" });
      expect(ps.stdout).not.toContain("sleep 6");
    } finally {
      // The other tests use the copy: it opens again whatever happened here.
      await services.checks.setAssignment(teacher, "atk-template", { deadline: null });
    }
  }, 60_000);
});

describe("the check queue", () => {
  it("gives everyone a fair turn: one person's slow checks do not hold up everyone else's", async () => {
    // Anyone may give their own session an assignment: Mallory makes two that sleep.
    for (const id of ["atk-slow-1", "atk-slow-2"]) {
      await services.sessions.create(mallory, { language: "bash", session_id: id });
      await services.checks.setAssignment(mallory, id, { command: "sleep 30", timeout_seconds: 45 });
    }
    let slowDone = false;
    const slow = services.checks.check(mallory, "atk-slow-1").finally(() => (slowDone = true));
    // Once Mallory's check has its copy, her second one is refused until it is done.
    await waitFor("Mallory's check copy", async () => (await checkCopies()) > 0);
    await expect(services.checks.check(mallory, "atk-slow-2")).rejects.toThrow("one check at a time");
    // Eve's check, asked meanwhile, has its turn and ends while Mallory's still sleeps.
    expect((await services.checks.check(eve, eveCopy)).status).not.toBe("error");
    expect(slowDone).toBe(false);
    expect((await slow).status).toBe("passed");
  }, 180_000);
});

const ADD = "def add(a, b):\n    return a + b\n";

describe("hostile code during a check", () => {
  const leftovers = checkCopies;

  it("keeps the server answering and removes every check copy: floods of output, fork bombs, jobs left behind, things where the tests go", async () => {
    await services.checks.setAssignment(teacher, "atk-template", { timeout_seconds: 15 });
    const attempts: Array<{ what: string; main: string; command?: string; status: string }> = [
      // Nearly a megabyte of one line with a run of spaces, the exit: what once held the parser for minutes.
      {
        what: "one long line",
        main: "import os, sys\nsys.stdout.write('x' + ' ' * 1_000_000 + 'x')\nsys.stdout.flush()\nos._exit(1)\n",
        status: "failed",
      },
      { what: "output without end", main: "import sys\nwhile True: sys.stdout.write('y' * 65536)\n", status: "failed" },
      // It may take the check's sandbox down with it (status error): never a pass.
      { what: "fork bomb", main: "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass\n", status: "not passed" },
      {
        what: "job left behind",
        main: "import os\nos.system('nohup setsid sleep 600 >/dev/null 2>&1 &')\ndef add(a, b):\n    return a + b\n",
        status: "passed",
      },
      { what: "FIFO where the tests go", main: ADD, command: "mkfifo tests/test_main.py", status: "passed" },
      {
        what: "symlink out of the workspace where the tests go",
        main: ADD,
        command: "rmdir tests; ln -s /etc tests",
        status: "error",
      },
    ];
    for (const { what, main, command, status } of attempts) {
      await services.actions.exec(eve, eveCopy, { command: `rm -rf tests; mkdir -p tests; ${command ?? "true"}` });
      await services.actions.writeFile(eve, eveCopy, "main.py", Buffer.from(main));
      // The event loop stays free while the check runs: a timer every 50 ms never waits much longer.
      let worst = 0;
      let last = Date.now();
      const timer = setInterval(() => {
        worst = Math.max(worst, Date.now() - last);
        last = Date.now();
      }, 50);
      const result = await services.checks.check(eve, eveCopy).finally(() => clearInterval(timer));
      const got = status === "not passed" && result.status !== "passed" ? "not passed" : result.status;
      expect({ what, status: got, stalled: worst > 1_000, leftovers: await leftovers() }).toEqual({
        what,
        status,
        stalled: false,
        leftovers: 0,
      });
    }
    await services.actions.exec(eve, eveCopy, { command: "rm -rf tests" });
  }, 300_000);
});

describe("the environment a check runs in", () => {
  it("is the class's, not one the student prepared: a student's setup cannot make failing work pass", async () => {
    // The teacher did it right: the tests run the student's program in a process of its own.
    await services.sessions.create(teacher, { language: "python", session_id: "atk-env", entry_file: "main.py" });
    await services.actions.writeFile(teacher, "atk-env", "main.py", Buffer.from("print('TODO')\n"));
    await services.checks.setAssignment(teacher, "atk-env", {
      command: "python3 -m unittest discover -s tests -v",
      files: [
        {
          path: "tests/test_main.py",
          content: [
            "import subprocess, sys, unittest",
            "class TestMain(unittest.TestCase):",
            "    def test_says_hello(self):",
            "        out = subprocess.run([sys.executable, 'main.py'], capture_output=True, text=True).stdout",
            "        self.assertEqual(out.strip(), 'hello')",
            "",
          ].join("\n"),
        },
      ],
    });
    const link = (await services.shares.create(teacher, "atk-env", "class")).token;
    const copy = (await services.sessions.joinClass(shareCaller(link, mallory), { name: "Mallory" })).id;
    // Mallory's own setup puts a sitecustomize.py on PYTHONPATH: it runs first in every Python process.
    const hijack = [
      "import os, sys",
      "if os.environ.get('CI') == 'true' and not os.environ.get('DONE'):",
      "    sys.stderr.write('test_says_hello (test_main.TestMain.test_says_hello) ... ok\\n')",
      "    sys.stderr.flush()",
      "    os._exit(0)",
      "",
    ].join("\n");
    await services.sessions.editSetup(mallory, copy, {
      commands: [
        `mkdir -p /opt/layer/python && echo ${Buffer.from(hijack).toString("base64")} | base64 -d > /opt/layer/python/sitecustomize.py`,
      ],
    });
    expect((await services.setups.waitFor(copy, 180_000)).status).toBe("completed");
    const result = await services.checks.check(mallory, copy);
    expect(result.tests.map((t) => [t.name, t.status])).toEqual([["test_main.TestMain › test_says_hello", "failed"]]);
  }, 300_000);

  it("keeps a student's files away from Sandpit's own test runner: a folder of theirs where it goes cannot replace its modules", async () => {
    await services.sessions.create(teacher, { language: "python", session_id: "atk-runner", entry_file: "main.py" });
    await services.checks.setAssignment(teacher, "atk-runner", {
      command: "python3 .sandpit-check/test_functions.py tests",
      files: [{ path: "tests/test_main.py", content: "def test_fails():\n    assert 1 == 2\n" }],
    });
    const link = (await services.shares.create(teacher, "atk-runner", "class")).token;
    const copy = (await services.sessions.joinClass(shareCaller(link, mallory), { name: "Mallory" })).id;
    // The runner imports inspect before anything of the tests: a module of that name beside it wins.
    const fake = "print('TAP version 13')\nprint('ok 1 - tests/test_main.py::test_fails')\nprint('1..1')\nraise SystemExit(0)\n";
    await services.actions.writeFile(mallory, copy, ".sandpit-check/inspect.py", Buffer.from(fake));
    const result = await services.checks.check(mallory, copy);
    expect(result.tests.map((t) => [t.name, t.status])).toEqual([["tests/test_main.py::test_fails", "failed"]]);
  }, 120_000);
});
