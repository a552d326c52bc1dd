import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import type { WorkspaceChange } from "./agent/results";
import { FileWatches } from "./file-watch";
import { writeFile } from "./files";
import { exec } from "./shells";

let h: SandboxHarness;
let watches: FileWatches;

beforeAll(async () => {
  h = await sandboxHarness();
  watches = new FileWatches(h.manager, pino({ level: "silent" }));
});
afterAll(async () => h[Symbol.asyncDispose]());

/** Follows a session's changes, keeping every path told, until stopped. */
function follow(session: string): {
  paths: Set<string>;
  changes: WorkspaceChange[];
  until: (path: string) => Promise<void>;
  stop: () => void;
} {
  const controller = new AbortController();
  const paths = new Set<string>();
  const changes: WorkspaceChange[] = [];
  const waiters: Array<{ path: string; resolve: () => void }> = [];
  void (async () => {
    for await (const change of watches.changes(session, controller.signal)) {
      changes.push(change);
      for (const path of change.paths) paths.add(path);
      for (const waiter of waiters.splice(0)) {
        if (paths.has(waiter.path)) waiter.resolve();
        else waiters.push(waiter);
      }
    }
  })();
  return {
    paths,
    changes,
    until: (path) => (paths.has(path) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ path, resolve }))),
    stop: () => controller.abort(),
  };
}

describe("FileWatches", () => {
  it("tells files made, changed and removed by a shell, in nested folders, and package folders as one entry", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "start.txt", Buffer.from("x"));
    const watch = follow(session);
    await exec(h.manager, session, { command: "mkdir -p data/deep && echo 1 > data/deep/made.txt", shell: "w" });
    await watch.until("data/deep/made.txt");
    expect(watch.paths).toContain("data");
    expect(watch.paths).not.toContain("start.txt");

    const mark = watch.changes.length;
    await exec(h.manager, session, { command: "echo changed >> start.txt && rm data/deep/made.txt", shell: "w" });
    // The change and the removal, whether told together or one after the other.
    const toldSince = (): string[] => watch.changes.slice(mark).flatMap((change) => change.paths);
    await expect.poll(toldSince, { timeout: 10_000 }).toEqual(expect.arrayContaining(["start.txt", "data/deep/made.txt"]));
    // Package folders count as one entry: what npm writes inside is not told file by file.
    await exec(h.manager, session, { command: "mkdir -p node_modules/pkg && echo x > node_modules/pkg/index.js", shell: "w" });
    await watch.until("node_modules");
    expect([...watch.paths].some((path) => path.startsWith("node_modules/"))).toBe(false);
    watch.stop();
  }, 60_000);

  it("shares one watch between followers, ends it with the last, and starts again when the sandbox wakes", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "a.txt", Buffer.from("a"));
    const first = follow(session);
    const second = follow(session);
    await exec(h.manager, session, { command: "echo b > b.txt", shell: "w" });
    await Promise.all([first.until("b.txt"), second.until("b.txt")]);
    expect(watches.status(session)).toEqual({ followers: 2, watching: true });
    first.stop();
    await expect.poll(() => watches.status(session).followers).toBe(1);
    await exec(h.manager, session, { command: "echo c > c.txt", shell: "w" });
    await second.until("c.txt");
    expect(first.paths.has("c.txt")).toBe(false);

    // Asleep, nothing is watched and nothing wakes it; once it is woken, changes come again.
    await h.manager.hibernate(session);
    expect(await h.manager.state(session)).toBe("hibernated");
    await expect.poll(() => watches.status(session)).toEqual({ followers: 1, watching: false });
    await exec(h.manager, session, { command: "echo d > d.txt", shell: "w" });
    await second.until("d.txt");
    second.stop();
    await expect.poll(() => watches.status(session)).toEqual({ followers: 0, watching: false });
  }, 90_000);

  it("does not wake a sleeping sandbox for a follower", async () => {
    const session = h.session();
    await writeFile(h.manager, session, "a.txt", Buffer.from("a"));
    await h.manager.hibernate(session);
    const watch = follow(session);
    // Following registered the session, and the sandbox stayed asleep.
    expect(watches.status(session)).toEqual({ followers: 1, watching: false });
    expect(await h.manager.state(session)).toBe("hibernated");
    watch.stop();
    await expect.poll(() => watches.status(session).followers).toBe(0);
  }, 60_000);
});
