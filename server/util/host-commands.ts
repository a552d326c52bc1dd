import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Host commands (mount, umount, cp, sync, …) started by a small Node process of their own. A
 * process started by the server itself is forked from it: the kernel copies the server's memory
 * map first, which costs the server's one thread milliseconds per command once it holds a few
 * hundred MB (PGlite, Next.js), and a class joining at once needs a few commands each. The runner
 * holds little, so its forks cost little; the server only writes a line and reads one back.
 */
const RUNNER = `
const { execFile } = require("node:child_process");
const lines = require("node:readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { id, file, args } = JSON.parse(line);
  execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
    const failed = error ? { code: error.code ?? null, signal: error.signal ?? null, message: error.message } : undefined;
    process.stdout.write(JSON.stringify({ id, stdout, stderr, failed }) + "\\n");
  });
});
lines.on("close", () => process.exit(0));
`;

interface Reply {
  id: number;
  stdout: string;
  stderr: string;
  failed?: { code: number | string | null; signal: string | null; message: string };
}

/** A failed command, shaped as execFile's error: its exit code (or errno name), signal and output. */
export class HostCommandError extends Error {
  constructor(
    message: string,
    readonly code: number | string | null,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** How long the runner waits for another command before it ends (an idle server holds no runner). */
const IDLE_MS = 10_000;

/** Starts host commands through a runner process of its own (see RUNNER). */
export class HostCommands {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs = IDLE_MS,
    /** The Node.js the runner runs on: the server's own. */
    private readonly node = process.execPath,
  ) {}

  /** Runs a command to its end; a runner that cannot start rejects it like a command that failed. */
  async run(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    clearTimeout(this.idle);
    const child = this.child ?? this.start();
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.hold(child, true);
    child.stdin.write(`${JSON.stringify({ id, file, args })}\n`);
    const { stdout, stderr, failed } = await reply;
    if (failed) throw new HostCommandError(failed.message, failed.code, failed.signal, stdout, stderr);
    return { stdout, stderr };
  }

  private start(): ChildProcessWithoutNullStreams {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // a loader the server runs under is not needed to start commands
    const child = spawn(this.node, ["-e", RUNNER], { env, stdio: ["pipe", "pipe", "pipe"] });
    // Told once its output has been read to the end (close), or when it could not start (error).
    child.on("close", () => this.ended(child));
    child.on("error", () => this.ended(child));
    // One that could not start (no descriptors left, say) has no pipes; its error comes next tick.
    const pipes = [child.stdin, child.stdout, child.stderr] as unknown[];
    if (pipes.some((pipe) => !pipe)) throw new Error("could not start the host command runner");
    this.child = child;
    child.stderr.resume();
    child.stdin.on("error", () => undefined); // it ended: told by close
    createInterface({ input: child.stdout }).on("line", (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return; // not a reply (the runner writes nothing else)
      }
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) {
        this.hold(child, false);
        clearTimeout(this.idle);
        this.idle = setTimeout(() => this.stop(child), this.idleMs).unref();
      }
      waiting?.resolve(reply);
    });
    this.hold(child, false);
    return child;
  }

  /** A runner ended: the commands it had not answered fail, and the next command starts another. */
  private ended(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    this.child = undefined;
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of lost) reject(new Error("the host command runner ended before the command answered"));
  }

  /** Ends an idle runner (it exits once its input closes); the next command starts another. */
  private stop(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child || this.pending.size > 0) return;
    this.child = undefined;
    child.stdin.end();
  }

  /** The runner keeps the server's event loop alive only while a command is under way. */
  private hold(child: ChildProcessWithoutNullStreams, on: boolean): void {
    for (const target of [child, child.stdout, child.stdin, child.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
      if (on) target.ref?.();
      else target.unref?.();
    }
  }
}

const commands = new HostCommands();

/** Runs a host command to its end (as execFile does) without forking the server. */
export function hostCommand(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return commands.run(file, args);
}
