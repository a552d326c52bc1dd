import { describe, expect, it } from "vitest";
import type { RunEvent } from "@/server/sandbox/runs";
import { RunFeeds } from "./run-feeds";

/** A run's events as the session layer yields them; `gate` holds the exit until released. */
function run(gate: Promise<void>): { events: AsyncGenerator<RunEvent>; stopped: () => boolean } {
  let stopped = false;
  async function* events(): AsyncGenerator<RunEvent> {
    try {
      yield { type: "stdout", data: Buffer.from("one\n") };
      await gate;
      yield { type: "stdout", data: Buffer.from("two\n") };
      yield { type: "exit", runId: "r-1", exitCode: 0, durationMs: 5, timedOut: false, truncated: false };
    } finally {
      stopped = true;
    }
  }
  return { events: events(), stopped: () => stopped };
}

async function collect(events: AsyncGenerator<{ type: string }>): Promise<string[]> {
  const types: string[] = [];
  for await (const event of events) types.push("data" in event ? `${event.type}:${String(event.data)}` : event.type);
  return types;
}

describe("RunFeeds", () => {
  it("gives a follower the whole run from its start, then ends after the exit", async () => {
    const feeds = new RunFeeds();
    let release = (): void => undefined;
    const { events } = run(new Promise((resolve) => (release = resolve)));
    const id = feeds.start("s1", events);
    const followed = collect(feeds.follow("s1", id));
    release();
    expect(await followed).toEqual(["stdout:one\n", "stdout:two\n", "exit"]);
    // A late follower still gets everything while the finished run is kept.
    expect(await collect(feeds.follow("s1", id))).toEqual(["stdout:one\n", "stdout:two\n", "exit"]);
  });

  it("follows only by the id of a run of that session", async () => {
    const feeds = new RunFeeds();
    const id = feeds.start("s1", run(Promise.resolve()).events);
    expect(feeds.has("s1", id)).toBe(true);
    expect(feeds.has("s2", id)).toBe(false);
    expect(feeds.has("s1", "f-guess")).toBe(false);
    expect(await collect(feeds.follow("s2", id))).toEqual([]);
  });

  it("stops the run when its last follower leaves before the end", async () => {
    const feeds = new RunFeeds();
    let release = (): void => undefined;
    const started = run(new Promise((resolve) => (release = resolve)));
    const id = feeds.start("s1", started.events);
    const leave = new AbortController();
    const follower = feeds.follow("s1", id, leave.signal);
    expect((await follower.next()).value).toMatchObject({ type: "stdout", data: "one\n" });
    const waiting = follower.next();
    leave.abort();
    expect((await waiting).done).toBe(true);
    // The stop reaches the run at its next step (a generator cannot be returned mid-await): it never exits normally.
    release();
    await expect.poll(() => started.stopped()).toBe(true);
    expect(await collect(feeds.follow("s1", id))).not.toContain("exit");
  });
});
