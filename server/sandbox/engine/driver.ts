import type { Duplex, Readable, Writable } from "node:stream";
import type { Limits } from "@/server/config/index";

export const LABEL_SESSION = "dev.sandpit.session";
export const LABEL_ROLE = "dev.sandpit.role";
/** The Sandpit process (node) that started the container; see node-id.ts. */
export const LABEL_NODE = "dev.sandpit.node";
/** Where sandboxes mount the agent's folder (`SandboxSpec.agentDir`), and the file in it that Node.js runs. */
export const AGENT_MOUNT = "/opt/sandpit/agent";
export const AGENT_FILE = "agent.mjs";
/**
 * Where a warm sandbox sees its slot's holder folder (root's, 0711): a fork's filesystem, mounted
 * on the host beneath it after the sandbox started, appears at SLOT_MOUNT/fork.
 */
export const SLOT_MOUNT = "/opt/sandpit/slot";
export const SLOT_FORK = `${SLOT_MOUNT}/fork`;

/** Everything an engine needs to start the container behind one session. */
export interface SandboxSpec {
  sessionId: string;
  /** `sandbox` serves a session; `setup` runs a setup and is removed afterwards; `pool` waits in the warm pool (and serves the session that takes it). */
  role?: "sandbox" | "setup" | "pool";
  image: string;
  /** Host folder mounted read-write at /workspace. */
  workspaceDir: string;
  /**
   * A warm sandbox's holder folder (see Workspaces.makeSlot), mounted at SLOT_MOUNT; with it, both
   * mounts receive what the host mounts beneath them later (rslave), so a fork's filesystem can
   * become the workspace of a sandbox already running (see SandboxDriver.takeForkWorkspace).
   */
  slotHolder?: string;
  /** Host folder with the agent's bundle (AGENT_FILE); the file alone is mounted read-only into AGENT_MOUNT. */
  agentDir: string;
  /** Host folder with the session's layer, mounted at /opt/layer (read-only unless `layerWritable`). */
  layerDir?: string;
  layerWritable?: boolean;
  /** Host PEM bundle mounted at /etc/sandpit/ca.crt, for networks behind an intercepting proxy. */
  caBundle?: string;
  limits: Limits;
  network: boolean;
  /** Docker network when `network` is on (default `bridge`). */
  networkMode?: string;
  env?: Record<string, string>;
}

export interface SandboxContainer {
  id: string;
  sessionId: string;
  role: string;
  running: boolean;
}

export interface PtyOptions {
  cmd: string[];
  env: Record<string, string>;
  cwd: string;
  cols: number;
  rows: number;
}

/** A terminal process in a sandbox: raw bytes both ways. */
export interface PtyHandle {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the process ends. */
  exited(): Promise<number>;
  /** More about the end, told with the exit (a run's displayed outputs). */
  exitDetails?: () => Record<string, unknown>;
}

/**
 * The agent's stdio, carried on the container's attach stream: the server never opens a path the
 * sandbox can write to reach it.
 */
export interface AgentChannel {
  /** What the agent writes on stdout. */
  input: Readable;
  /** The agent's stdin. */
  output: Writable;
  /** Ends the attachment (the container keeps running). */
  close(): void;
}

export interface StartedSandbox {
  containerId: string;
  channel: AgentChannel;
}

/** A container engine. Docker is the one Sandpit ships; others plug in here. */
export interface SandboxDriver {
  readonly name: string;
  /** Creates the container, attaches to the agent's stdio, then starts it. */
  start(spec: SandboxSpec): Promise<StartedSandbox>;
  /** Attaches to the agent of a running container (after a server restart). */
  attach(containerId: string): Promise<AgentChannel>;
  list(): Promise<SandboxContainer[]>;
  isRunning(containerId: string): Promise<boolean>;
  remove(containerId: string): Promise<void>;
  openPty(containerId: string, options: PtyOptions): Promise<PtyHandle>;
  /**
   * Makes the filesystem the host mounted at the slot holder's `fork` folder the sandbox's
   * /workspace. Under runc the host's mount over the workspace's own folder already shows inside;
   * gVisor sees only mounts beneath a mounted folder, so the workspace is bound there inside.
   */
  takeForkWorkspace(containerId: string): Promise<void>;
  /**
   * Whether what sandboxes write to /workspace is on the host's filesystem at once (see
   * RuntimeChoice.writesThrough); when not, a sandbox syncs before its volume is copied.
   */
  writesThrough(): Promise<boolean>;
}
