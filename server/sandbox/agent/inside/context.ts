// Shared constants, the request context and the switch to the sandbox user.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { AGENT_RUNTIME_ENV, type AgentErrorCode, type AgentMessage, type ServerMessage } from "./protocol.ts";

export const WORKSPACE = "/workspace";
/** Shell state and inline code: the sandbox user's own, so it is handled as that user. */
export const STATE_DIR = "/tmp/.sandpit";
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
// What the agent's command line told it alone (see the driver's agentCommand): never passed on.
const { [AGENT_RUNTIME_ENV]: runtime, UV_THREADPOOL_SIZE: _poolSize, ...inherited } = process.env;
/**
 * Under gVisor, which has no OOM killer of its own inside the sandbox: the host's kills the whole
 * sandbox, so which process inside would go first is not a question there (and each preference
 * costs a run ~10 ms of the sandbox's CPU to set).
 */
export const IN_GVISOR = runtime === "gvisor";
export const BASE_ENV: NodeJS.ProcessEnv = { ...inherited, HOME: "/home/sandbox", USER: "sandbox", LOGNAME: "sandbox" };

export class AgentError extends Error {
  code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One request being served: where its messages go, and where later messages for it come in. */
export interface RequestContext {
  id: number;
  send: (message: AgentMessage) => void;
  /** Handles the request's later messages (credit, data, end, cancel). */
  onControl: (handler: (message: ServerMessage) => void) => void;
}

const privileged = process.getuid?.() === 0;

function ids(): { seteuid: (id: number) => void; setegid: (id: number) => void; setgroups: (groups: number[]) => void } {
  const { seteuid, setegid, setgroups } = process;
  if (!seteuid || !setegid || !setgroups) throw new Error("this platform cannot switch users");
  return { seteuid: seteuid.bind(process), setegid: setegid.bind(process), setgroups: setgroups.bind(process) };
}

/** Drops root's supplementary groups, which would otherwise follow every switch to the sandbox user. */
export function dropGroups(): void {
  if (privileged) ids().setgroups([]);
}

/** Whether asUser's switch is in force (work nested in it runs as it is). */
let switched = false;

/**
 * Runs synchronous file work as the sandbox user, so a symlink planted by user code leads only
 * where that user could go anyway. Synchronous only: the switch holds for the whole process.
 * Each switch is told to every thread of the agent (glibc's setxid broadcast), which costs about
 * a millisecond a thread under gVisor: a run's work as the user is done in as few as it can.
 */
export function asUser<T>(work: () => T): T {
  if (!privileged || switched) return work();
  const { seteuid, setegid } = ids();
  setegid(SANDBOX_GID);
  seteuid(SANDBOX_UID);
  switched = true;
  try {
    return work();
  } finally {
    switched = false;
    seteuid(0);
    setegid(0);
  }
}

/**
 * Starts a process as the sandbox user (no supplementary groups, no capabilities) in `cwd`. The
 * agent enters `cwd` as the sandbox user and the child inherits it: a chdir by root (without
 * DAC capabilities) would fail on a folder the user made private, and could follow its symlinks.
 */
export function spawnAsUser(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    detached?: boolean;
    /** File work of the sandbox user's to do first, in the same switch as entering `cwd`. */
    prepare?: () => void;
  },
): ChildProcessWithoutNullStreams {
  asUser(() => {
    options.prepare?.();
    process.chdir(options.cwd);
  });
  try {
    const child = spawn(command, args, {
      env: options.env,
      detached: options.detached ?? false,
      stdio: ["pipe", "pipe", "pipe"],
      ...(privileged ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : {}),
    });
    const pid = child.pid;
    if (pid !== undefined) {
      spawned.add(pid);
      child.once("exit", () => spawned.delete(pid));
    }
    return child;
  } finally {
    process.chdir("/");
  }
}

/** The processes the agent started itself (runs, shells, archives) that have not exited. */
export const spawned = new Set<number>();
