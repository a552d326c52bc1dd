// Process bookkeeping: finding, killing and capturing the output of process trees.
import * as fs from "node:fs";
import { asUser, IN_GVISOR, SANDBOX_UID, spawned } from "./context.ts";

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** When it started, in clock ticks since boot. */
  start: number;
  /** Ended, not yet reaped by its parent: nothing left to stop or kill. */
  zombie: boolean;
}

export function readProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({
        pid: Number(name),
        ppid: Number(fields[1]),
        pgrp: Number(fields[2]),
        session: Number(fields[3]),
        start: Number(fields[19]),
        zombie: fields[0] === "Z",
      });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** The processes among `pids` whose environment holds `marker`, read in one switch to the sandbox user. */
export function withMarker(pids: number[], marker: string): Set<number> {
  const found = new Set<number>();
  const entry = Buffer.from(`${marker}\0`);
  // Another user's environ needs ptrace rights the agent lacks; the sandbox user has them.
  asUser(() => {
    for (const pid of pids) {
      try {
        const environ = fs.readFileSync(`/proc/${pid}/environ`);
        if (environ.indexOf(entry) === 0 || environ.includes(Buffer.concat([Buffer.from([0]), entry]))) found.add(pid);
      } catch {
        // ended, or not the sandbox user's
      }
    }
  });
  return found;
}

/**
 * Kills every process of a tree: the descendants of `root`, its process group and session, and
 * any process carrying `marker` in its environment (which catches processes that left the
 * session and lost their parent). Repeats until nothing is left. `keepRoot` spares `root` itself.
 */
export async function killTree(
  root: number,
  options: {
    marker?: string;
    /** When `root` started: a process carrying the marker started since (it inherited it), no other is looked at. */
    markedSince?: number;
    keepRoot?: boolean;
    groupAndSession?: boolean;
  },
): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const procs = readProcs();
    const children = new Map<number, number[]>();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    const targets = new Set<number>();
    const stack = [...(children.get(root) ?? [])];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      if (targets.has(pid)) continue;
      targets.add(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    for (const p of procs) {
      if (options.groupAndSession && (p.pgrp === root || p.session === root)) targets.add(p.pid);
    }
    if (options.marker) {
      const since = options.markedSince ?? 0;
      const others = procs.filter((p) => p.pid !== process.pid && !targets.has(p.pid) && p.start >= since).map((p) => p.pid);
      // Reading environments means a switch to the sandbox user (see asUser): only when there are any.
      if (others.length > 0) for (const pid of withMarker(others, options.marker)) targets.add(pid);
    }
    if (!options.keepRoot) targets.add(root);
    else targets.delete(root);
    targets.delete(process.pid);
    targets.delete(1);
    let alive = 0;
    for (const pid of targets) {
      try {
        process.kill(pid, "SIGKILL");
        alive += 1;
      } catch {
        // already gone
      }
    }
    if (alive === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** When a process started (clock ticks since boot), or undefined once it is gone. */
export function startOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kills what a run left behind by leaving its tree, its session and its marker (`setsid -f env -i
 * …`): such a process ends up a child of the container's init (or of the agent) without being one
 * the agent started. Every such process of the sandbox user started since `since` goes, with
 * its own tree. Shells, runs and terminals (started by the agent, or by the engine: not children of
 * the agent) and what stays in their trees are left alone.
 */
export async function killEscaped(since: number): Promise<void> {
  // A chain of processes that each fork, leave their session and exit at once is always one step
  // ahead of a single look: looks repeat until one finds nothing, and what each finds is stopped
  // first (a stopped process forks no more, and keeps the children it made as its own) and then
  // killed with its tree.
  for (let round = 0; round < 100; round++) {
    // Orphans go to the container's init (pid 1, with the agent its child) or to the agent itself.
    const escaped = readProcs().filter((p) => {
      if (p.zombie || !(p.ppid === 1 || p.ppid === process.pid) || p.pid === process.pid || p.start < since) return false;
      if (spawned.has(p.pid)) return false;
      try {
        return fs.statSync(`/proc/${p.pid}`).uid === SANDBOX_UID;
      } catch {
        return false; // already gone
      }
    });
    if (escaped.length === 0) return;
    for (const p of escaped) {
      try {
        process.kill(p.pid, "SIGSTOP");
      } catch {
        // already gone
      }
    }
    for (const p of escaped) await killTree(p.pid, { groupAndSession: true });
  }
}

/**
 * Makes the kernel's OOM killer pick user processes before the agent (raising is allowed
 * unprivileged). Not under gVisor, where no OOM killer inside the sandbox would read it.
 */
export function preferForOom(pid: number | undefined, score: number): void {
  if (pid === undefined || IN_GVISOR) return;
  try {
    asUser(() => fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(score)));
  } catch {
    // the process already ended
  }
}

/** Collects a stream up to `limit` bytes; past it, the rest is read and dropped (no full pipe). */
export class Capture {
  chunks: Buffer[] = [];
  bytes = 0;
  truncated = false;
  limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  /** Returns the part of `chunk` that fits under the limit. */
  take(chunk: Buffer): Buffer {
    const room = this.limit - this.bytes;
    if (room <= 0) {
      this.truncated = this.truncated || chunk.length > 0;
      return Buffer.alloc(0);
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.bytes += kept.length;
    return kept;
  }
}

export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGXFSZ: 25,
};
export function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 0;
}

/**
 * Removes `prefix` from a stream of output, across chunk boundaries: inline code runs from a
 * folder of the run's own, and a traceback should name the program's file, not that folder. Only
 * a tail that could begin the prefix waits for the next chunk, so a prompt is never held back.
 */
export class PrefixRemover {
  private held = Buffer.alloc(0);
  private readonly prefix: Buffer;
  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix);
  }
  push(chunk: Buffer): Buffer {
    const data = Buffer.concat([this.held, chunk]);
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = data.indexOf(this.prefix); at >= 0; at = data.indexOf(this.prefix, from)) {
      parts.push(data.subarray(from, at));
      from = at + this.prefix.length;
    }
    let keep = 0;
    for (let n = Math.min(this.prefix.length - 1, data.length - from); n > 0; n--) {
      if (data.subarray(data.length - n).equals(this.prefix.subarray(0, n))) {
        keep = n;
        break;
      }
    }
    parts.push(data.subarray(from, data.length - keep));
    this.held = Buffer.from(data.subarray(data.length - keep));
    return Buffer.concat(parts);
  }
  /** What is still held back, once the stream has ended. */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }
}
