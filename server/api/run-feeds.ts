import "server-only";
import { randomBytes } from "node:crypto";
import { toStreamEvent, type RunEvent, type StreamEvent } from "@/server/sandbox/runs";

/** How long a started run waits for its first follower before it is stopped. */
export const FOLLOW_WITHIN_MS = 30_000;
/** How long a finished run's output stays for a follower that comes late. */
export const KEEP_FINISHED_MS = 60_000;

interface Feed {
  sessionId: string;
  events: StreamEvent[];
  done: boolean;
  failure?: Error;
  wake: Set<() => void>;
  followers: number;
  followed: boolean;
  stop: () => void;
}

/**
 * Runs started by a POST (`runs.start`) and followed by a subscription (`runs.follow`, a GET), so
 * following runs nothing: a link from another site that rides the owner cookie cannot start code.
 * A feed keeps its run's events, which the run's output limit bounds, until a while after the end;
 * a run nobody follows, or whose last follower leaves, is stopped.
 */
export class RunFeeds {
  private readonly feeds = new Map<string, Feed>();

  /** Starts pulling a run's events now and returns the id to follow it by. */
  start(sessionId: string, events: AsyncGenerator<RunEvent>): string {
    const id = `f-${randomBytes(12).toString("hex")}`;
    const feed: Feed = {
      sessionId,
      events: [],
      done: false,
      wake: new Set(),
      followers: 0,
      followed: false,
      stop: () => void events.return(undefined),
    };
    this.feeds.set(id, feed);
    const notify = (): void => {
      for (const wake of feed.wake) wake();
      feed.wake.clear();
    };
    void (async () => {
      try {
        for await (const event of events) {
          feed.events.push(toStreamEvent(event));
          notify();
        }
      } catch (error) {
        feed.failure = error instanceof Error ? error : new Error(String(error));
      } finally {
        feed.done = true;
        notify();
        setTimeout(() => this.feeds.delete(id), KEEP_FINISHED_MS).unref();
      }
    })();
    setTimeout(() => {
      if (!feed.followed) feed.stop();
    }, FOLLOW_WITHIN_MS).unref();
    return id;
  }

  /** True when `id` is a run of this session that can still be followed. */
  has(sessionId: string, id: string): boolean {
    return this.feeds.get(id)?.sessionId === sessionId;
  }

  /** Every event of the run from its start, then the live ones; ends after the exit event. */
  async *follow(sessionId: string, id: string, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    const feed = this.feeds.get(id);
    if (!feed || feed.sessionId !== sessionId) return;
    feed.followed = true;
    feed.followers++;
    let next = 0;
    let waiting: (() => void) | undefined;
    const onAbort = (): void => waiting?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        while (next < feed.events.length) yield feed.events[next++] as StreamEvent;
        if (feed.done) {
          if (feed.failure !== undefined) throw feed.failure;
          return;
        }
        if (signal?.aborted) return;
        await new Promise<void>((resolve) => {
          waiting = resolve;
          feed.wake.add(resolve);
        });
        waiting = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      feed.followers--;
      // Closing the page (or the Stop button) stops the run, as when the run lived in the request.
      if (feed.followers === 0 && !feed.done) feed.stop();
    }
  }
}

let shared: RunFeeds | undefined;

/** The process's run feeds (runs are in this process's memory, like the sandboxes they run in). */
export function runFeeds(): RunFeeds {
  shared ??= new RunFeeds();
  return shared;
}
