import "server-only";
import { randomBytes } from "node:crypto";
import { ID_PATTERN, SHELL_ID_MESSAGE } from "@/lib/limits";
import type { ShellInfo } from "./agent/inside/protocol";
import type { PtyHandle } from "./engine/driver";
import { InvalidRunError } from "./errors";
import type { SandboxManager } from "./manager";
import { processOutput, type ProcessOutput } from "./output";
import { checkEnv, checkTimeout } from "./runs";

export const DEFAULT_SHELL = "default";

export interface ExecRequest {
  command: string;
  shell?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ExecOutcome extends ProcessOutput {
  shell: string;
  /** The command ended the shell (`exit 3`): the next exec starts a fresh one. */
  shellEnded: boolean;
  /** This exec found its shell ended and started a fresh one first. */
  restarted: boolean;
  message?: string;
}

function checkShellId(shell: string): string {
  if (!ID_PATTERN.test(shell)) throw new InvalidRunError(`shell id "${shell}" is invalid: ${SHELL_ID_MESSAGE}`);
  return shell;
}

export async function createShell(manager: SandboxManager, sessionId: string, shell?: string): Promise<ShellInfo> {
  const id = checkShellId(shell ?? `sh-${randomBytes(6).toString("hex")}`);
  return manager.use(sessionId, (s) => s.agent.request("shell.create", { shell: id }));
}

export async function listShells(manager: SandboxManager, sessionId: string): Promise<ShellInfo[]> {
  const sandbox = manager.peek(sessionId);
  if (!sandbox) return []; // a hibernated sandbox has no shells: they live in its processes
  return sandbox.agent.request("shell.list", {});
}

export async function deleteShell(manager: SandboxManager, sessionId: string, shell: string): Promise<void> {
  await manager.use(sessionId, (s) => s.agent.request("shell.delete", { shell: checkShellId(shell) }));
}

/** Whether a shell is alive, without waking a hibernated sandbox. */
export async function shellAlive(manager: SandboxManager, sessionId: string, shell: string): Promise<boolean> {
  const sandbox = manager.peek(sessionId);
  if (!sandbox) return false;
  try {
    return (await sandbox.agent.request("shell.alive", { shell: checkShellId(shell) })).alive;
  } catch {
    return false;
  }
}

/** Runs a command in a shell (created on first use); the shell keeps cwd, env, functions and aliases. */
export async function exec(manager: SandboxManager, sessionId: string, request: ExecRequest): Promise<ExecOutcome> {
  const shell = checkShellId(request.shell ?? DEFAULT_SHELL);
  const timeoutMs = checkTimeout(request.timeoutMs, manager.limits.runTimeoutMs);
  checkEnv(request.env);
  if (request.command.includes("\0")) throw new InvalidRunError("command must not contain NUL bytes");
  const result = await manager.use(sessionId, (s) =>
    s.agent.request("shell.exec", {
      shell,
      command: request.command,
      cwd: request.cwd,
      env: request.env,
      timeoutMs,
      outputLimit: manager.limits.outputBytes,
    }),
  );
  return {
    shell,
    ...processOutput(result),
    shellEnded: result.shellEnded,
    restarted: result.restarted,
    ...(result.message ? { message: result.message } : {}),
  };
}

/**
 * A terminal (PTY) in the context of a shell: an interactive bash that starts from the shell's
 * saved state (cwd, exported variables, functions, aliases).
 */
export async function openTerminal(
  manager: SandboxManager,
  sessionId: string,
  options: { shell?: string; cols: number; rows: number },
): Promise<PtyHandle> {
  const shell = checkShellId(options.shell ?? DEFAULT_SHELL);
  return manager.use(sessionId, async (sandbox) => {
    let stateFile: string | undefined;
    try {
      stateFile = (await sandbox.agent.request("shell.state", { shell })).stateFile;
    } catch {
      stateFile = undefined;
    }
    return manager.openPty(sandbox, {
      // The shell's saved state serves as the terminal's rc file: same cwd, variables, functions.
      cmd: stateFile ? ["bash", "--rcfile", stateFile, "-i"] : ["bash", "-i"],
      env: { TERM: "xterm-256color", SANDPIT_SHELL: shell },
      cwd: "/workspace",
      cols: options.cols,
      rows: options.rows,
    });
  });
}
