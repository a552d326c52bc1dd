import "server-only";
import type { Logger } from "pino";
import type { AgentClient } from "./agent/client";
import { WATCH_MAX_PATHS } from "./agent/inside/protocol";
import type { WorkspaceChange } from "./agent/results";
import type { LiveSandbox, SandboxManager } from "./manager";

/** How often a watched workspace is compared with itself inside the sandbox. */
export const WATCH_INTERVAL_MS = 500;

type Listener = (change: WorkspaceChange) => void;

interface Watched {
  listeners: Set<Listener>;
  /** The agent being watched, and how to stop; none while the sandbox sleeps. */
  agent?: AgentClient;
  close?: () => void;
}

/** Two changes as one: the paths of both (up to the limit), the rest counted. */
function merge(a: WorkspaceChange, b: WorkspaceChange): WorkspaceChange {
  const paths = [...new Set([...a.paths, ...b.paths])];
  return {
    paths: paths.slice(0, WATCH_MAX_PATHS),
    more: a.more + b.more + Math.max(0, paths.length - WATCH_MAX_PATHS),
    truncated: a.truncated || b.truncated,
  };
}

/**
 * Changes to the workspaces of sessions someone is looking at, whoever made them. A session has one
 * watch in its sandbox however many follow it, and only while someone does; watching never wakes
 * or keeps awake a sandbox: a sleeping one changes nothing, and its watch starts when it comes up.
 */
export class FileWatches {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly manager: SandboxManager,
    private readonly log: Logger,
  ) {
    manager.onLive((sandbox) => {
      if (this.watched.has(sandbox.sessionId)) this.start(sandbox);
    });
  }

  /** Whether someone follows the session, and whether its sandbox is being watched for them. */
  status(sessionId: string): { followers: number; watching: boolean } {
    const entry = this.watched.get(sessionId);
    return { followers: entry?.listeners.size ?? 0, watching: entry?.agent !== undefined };
  }

  private start(sandbox: LiveSandbox): void {
    const entry = this.watched.get(sandbox.sessionId);
    if (!entry || entry.agent === sandbox.agent) return;
    entry.close?.();
    const agent = sandbox.agent;
    const { closed, close } = agent.watch(WATCH_INTERVAL_MS, (change) => {
      for (const listener of entry.listeners) listener(change);
    });
    entry.agent = agent;
    entry.close = close;
    closed
      .catch((error: unknown) => this.log.debug({ sessionId: sandbox.sessionId, err: error }, "workspace watch ended"))
      .finally(() => {
        if (entry.agent !== agent) return;
        entry.agent = undefined;
        entry.close = undefined;
      });
  }

  private add(sessionId: string, listener: Listener): void {
    let entry = this.watched.get(sessionId);
    if (!entry) {
      entry = { listeners: new Set() };
      this.watched.set(sessionId, entry);
    }
    entry.listeners.add(listener);
    const sandbox = this.manager.peek(sessionId);
    if (sandbox) this.start(sandbox);
  }

  private remove(sessionId: string, listener: Listener): void {
    const entry = this.watched.get(sessionId);
    if (!entry) return;
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0) return;
    entry.close?.();
    this.watched.delete(sessionId);
  }

  /**
   * The session's workspace changes until `signal` aborts. Changes that come faster than they are
   * read are merged into one, so a slow reader holds one change, not a queue.
   */
  async *changes(sessionId: string, signal: AbortSignal): AsyncGenerator<WorkspaceChange> {
    let pending: WorkspaceChange | undefined;
    let wake: (() => void) | undefined;
    const listener: Listener = (change) => {
      pending = pending ? merge(pending, change) : change;
      wake?.();
    };
    const abort = (): void => wake?.();
    this.add(sessionId, listener);
    signal.addEventListener("abort", abort);
    try {
      while (!signal.aborted) {
        if (!pending) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const change = pending;
        pending = undefined;
        yield change;
      }
    } finally {
      signal.removeEventListener("abort", abort);
      this.remove(sessionId, listener);
    }
  }
}
