import "server-only";

export interface FairShareLimits {
  /** Slots in use at once, across every session. */
  concurrency: number;
  /** Callers waiting for a slot, across every session. */
  queue: number;
  /** Slots one session may hold at once. */
  perSession: number;
  /** Callers of one session that may wait. */
  perSessionQueue: number;
}

/** A refusal to queue another caller: the pool, or the caller's session, has as many waiting as it may. */
export class PoolFullError extends Error {}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Share {
  running: number;
  waiting: Waiter[];
}

/**
 * Slots shared by sessions: each session holds at most its share of them and of the queue, and a
 * freed slot goes to the waiting sessions in turn, so a session whose work never finishes fills
 * its own share and slows no one else. Places in a full queue are shared too: a session with
 * fewer callers waiting takes the place of the newest caller of the session with the most.
 */
export class FairShare {
  private running = 0;
  private waitingCount = 0;
  private readonly shares = new Map<string, Share>();
  /** Sessions with callers waiting, in the order their turns come. */
  private readonly turns: string[] = [];

  constructor(private readonly limits: FairShareLimits) {}

  /** Runs `work` once `sessionId` has a slot; throws PoolFullError at once if it may not wait for one. */
  async run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(sessionId);
    try {
      return await work();
    } finally {
      this.release(sessionId);
    }
  }

  private share(sessionId: string): Share {
    let share = this.shares.get(sessionId);
    if (!share) this.shares.set(sessionId, (share = { running: 0, waiting: [] }));
    return share;
  }

  private async acquire(sessionId: string): Promise<void> {
    const { concurrency, queue, perSession, perSessionQueue } = this.limits;
    const share = this.share(sessionId);
    if (share.waiting.length === 0 && share.running < perSession && this.running < concurrency) {
      share.running += 1;
      this.running += 1;
      return;
    }
    if (share.waiting.length >= perSessionQueue) throw new PoolFullError("this session has too many names being resolved");
    if (this.waitingCount >= queue && !this.makeRoom(share)) throw new PoolFullError("too many names are being resolved");
    // The slot is counted by whoever hands it over (dispatch), before this caller wakes.
    await new Promise<void>((resolve, reject) => {
      share.waiting.push({ resolve, reject });
      this.waitingCount += 1;
      if (!this.turns.includes(sessionId)) this.turns.push(sessionId);
    });
  }

  /**
   * Frees a place in the full queue for `share`'s caller by refusing the newest caller of the
   * session with the most waiting, when that session would still have more waiting than `share`.
   */
  private makeRoom(share: Share): boolean {
    let largest: Share | undefined;
    for (const other of this.shares.values()) if (other.waiting.length > (largest?.waiting.length ?? 0)) largest = other;
    if (!largest || largest.waiting.length < share.waiting.length + 2) return false;
    const evicted = largest.waiting.pop();
    this.waitingCount -= 1;
    evicted?.reject(new PoolFullError("too many names are being resolved"));
    return true;
  }

  private release(sessionId: string): void {
    const share = this.share(sessionId);
    share.running -= 1;
    this.running -= 1;
    this.dispatch();
    if (share.running === 0 && share.waiting.length === 0) this.shares.delete(sessionId);
  }

  /** Hands free slots to waiting sessions in turn, passing over those that hold their share already. */
  private dispatch(): void {
    while (this.running < this.limits.concurrency) {
      const at = this.turns.findIndex((id) => (this.shares.get(id)?.running ?? 0) < this.limits.perSession);
      if (at < 0) return;
      const [sessionId] = this.turns.splice(at, 1);
      const share = sessionId === undefined ? undefined : this.shares.get(sessionId);
      const next = share?.waiting.shift();
      if (!share || !next || sessionId === undefined) continue;
      this.waitingCount -= 1;
      share.running += 1;
      this.running += 1;
      if (share.waiting.length > 0) this.turns.push(sessionId);
      next.resolve();
    }
  }
}
