import { exec } from "@/server/sandbox/shells";
import { browserCaller, shareCaller } from "@/server/sessions/caller";
import { testServices } from "@/test/services";
import { result, type BenchResult } from "../result";
import { percentile, round } from "../stats";

const STUDENTS = 30;
/** Classes that join one after the other once got ready. */
const ROUNDS = 3;

/**
 * 30 students open a class link at the same moment: each is timed from joining (the request the
 * class page sends) until their first run's output is back, as a student who joins and presses Run.
 * Once with nobody having got the class ready, then three classes after the teacher did (warm
 * sandboxes with the class's setup started ahead). Next to it, one student joining alone, the same
 * way. Records p50 and p95.
 */
export async function classJoins(): Promise<BenchResult[]> {
  await using services = await testServices();
  const teacher = browserCaller("browser:bench-teacher-0000");
  const template = await services.sessions.create(teacher, {
    language: "python",
    session_id: "bench-join-template",
    entry_file: "exercise.py",
    setup: { commands: ["echo ready > ready.txt"] },
  });
  await services.setups.waitFor(template.id, 120_000);
  await exec(services.sandboxes, template.id, { command: "printf 'print(open(\"ready.txt\").read().strip())\\n' > exercise.py" });
  const link = await services.shares.create(teacher, template.id, "class");

  const joinAndRun = async (student: string): Promise<number> => {
    const started = performance.now();
    const caller = browserCaller(`browser:${student.padEnd(16, "0")}`);
    const copy = await services.sessions.joinClass(shareCaller(link.token, caller), { name: student });
    const run = await services.actions.run(caller, copy.id, {});
    if (run.stdout !== "ready\n") throw new Error(`${student} got ${JSON.stringify(run)}`);
    return performance.now() - started;
  };

  // Alone: one student at a time, three of them, each on an otherwise idle server.
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) alone.push(await joinAndRun(`alone-${i}`));
  // A class nobody got ready for: every copy starts its own sandbox.
  const cold = await Promise.all(Array.from({ length: STUDENTS }, (_, i) => joinAndRun(`cold-${i}`)));
  // The teacher gets the class ready (Get the class ready, in the class link's row): sandboxes
  // with the class's setup and files are started ahead, one at a time, before the students arrive.
  // Three classes in turn (this host's timings vary from one to the next): each figure below
  // is over all of them, and "until all" is the middle one of the three classes.
  const together: number[] = [];
  const wholeClass: number[] = [];
  let warmUpMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const warming = performance.now();
    const kept = await services.sessions.prepareClass(teacher, template.id, { students: STUDENTS });
    await services.sandboxes.pool?.settled();
    if (round === 0) warmUpMs = performance.now() - warming;
    const ready = await services.sandboxes.readyForks(template.id);
    if (kept.students !== STUDENTS || ready < STUDENTS) throw new Error(`only ${ready} of ${STUDENTS} sandboxes got ready`);
    const times = await Promise.all(Array.from({ length: STUDENTS }, (_, i) => joinAndRun(`s${round}-${i}`)));
    together.push(...times);
    wholeClass.push(Math.max(...times));
  }
  const baseline = { name: "one student joining alone until first output, p50", value: round(percentile(alone, 50), 0) };
  return [
    result(
      `${STUDENTS} students joining a class at once that nobody got ready, until each one's first output, p95`,
      round(percentile(cold, 95), 0),
      "ms",
      baseline,
      { samples: STUDENTS },
    ),
    result(
      `getting a class of ${STUDENTS} ready: starting its warm sandboxes one at a time, before the students arrive`,
      round(warmUpMs, 0),
      "ms",
      baseline,
      { samples: STUDENTS },
    ),
    result(
      `${STUDENTS} students joining a class at once after the teacher got it ready, until each one's first output, p50 (${ROUNDS} classes)`,
      round(percentile(together, 50), 0),
      "ms",
      baseline,
      { samples: together.length },
    ),
    result(
      `${STUDENTS} students joining a class at once after the teacher got it ready, until each one's first output, p95 (${ROUNDS} classes)`,
      round(percentile(together, 95), 0),
      "ms",
      baseline,
      { target: "≤ 5000 ms on 2 cores", samples: together.length },
    ),
    // They all joined at the same moment: the slowest is when the whole class is running.
    result(
      `${STUDENTS} students joining a class at once after the teacher got it ready, until all have their first output (middle of ${ROUNDS} classes: ${wholeClass.map((ms) => Math.round(ms)).join(", ")} ms)`,
      round(percentile(wholeClass, 50), 0),
      "ms",
      baseline,
      { target: "≤ 3000 ms", samples: ROUNDS },
    ),
  ];
}
