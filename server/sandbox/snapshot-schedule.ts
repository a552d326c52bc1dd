import "server-only";
import type { Logger } from "pino";

/** What one background snapshot did: its object, size, and how long it took and held the session's lock. */
export interface BackgroundSnapshot {
  sessionId: string;
  key: string;
  bytes: number;
  /** When its files were read: a wake from it brings the workspace back as of then. */
  at: Date;
  ms: number;
  lockMs: number;
}

export interface SnapshotScheduleOptions {
  intervalMs: number;
  /** The sessions whose sandbox was used since its last snapshot, the longest unsaved first. */
  due: () => string[];
  /** Snapshots one session's running sandbox; undefined when there was nothing to do after all. */
  snapshot: (sessionId: string) => Promise<BackgroundSnapshot | undefined>;
  log: Logger;
}

/**
 * Background snapshots of running sandboxes: every interval, each sandbox used since its last
 * snapshot is snapshotted while it keeps running, one at a time, so that the work a lost node
 * takes with it is bounded by the interval and the node's disk and network see one archive at once.
 * A pass that outlasts the interval delays the next one rather than overlapping it.
 */
export class SnapshotSchedule {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly options: SnapshotScheduleOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass now (or the one under way): snapshots every due sandbox in turn; returns how many it saved. */
  run(): Promise<number> {
    this.pass ??= this.snapshotDue().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async snapshotDue(): Promise<number> {
    let saved = 0;
    for (const sessionId of this.options.due()) {
      if (this.stopped) break;
      try {
        if (await this.options.snapshot(sessionId)) saved += 1;
      } catch (error) {
        // Its last snapshot stays the one a wake uses; the next pass tries again.
        this.options.log.warn({ sessionId, err: error }, "background snapshot failed; tried again on the next pass");
      }
    }
    return saved;
  }

  /** Starts no more snapshots; resolves once the one under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }
}
