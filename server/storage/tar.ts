import "server-only";
import { spawn } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { SENSITIVE_TAR_EXCLUDES } from "./sensitive";

export interface TarOptions {
  excludeSensitive: boolean;
  /** The stream fails when tar is not done by then. */
  timeoutMs?: number;
  /** The stream fails when the archive grows past this many bytes. */
  maxBytes?: number;
}

/**
 * A folder as one gzip-compressed tar stream, made by the system's tar (several times faster than
 * a JavaScript tar on folders of many small files). Symlinks are stored as links, owners as 0;
 * holes in sparse files are found and stored as holes, so a 1 TB file of nothing costs nothing.
 * The stream fails, rather than ending short, when tar fails or passes its time or size bound, so
 * a broken archive is never stored. Only for folders no running container can write (a finished
 * setup's output); workspaces are archived inside their sandbox.
 */
export function tarCreate(dir: string, options: TarOptions): Readable {
  // gzip -1: several times faster than the default level for about a quarter more bytes; the time
  // to a stored layer matters more than its size.
  const args = [
    "-C",
    dir,
    "-cf",
    "-",
    "--use-compress-program=gzip -1",
    "--sparse",
    "--numeric-owner",
    "--owner=0",
    "--group=0",
    ...(options.excludeSensitive ? SENSITIVE_TAR_EXCLUDES.map((p) => `--exclude=${p}`) : []),
    ".",
  ];
  const child = spawn("tar", args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = new PassThrough();
  let stderr = "";
  let ended = false;
  let exitCode: number | null | undefined;
  let bytes = 0;
  let failure: Error | undefined;
  const stop = (error: Error): void => {
    failure ??= error;
    child.kill("SIGKILL");
  };
  const timer = options.timeoutMs
    ? setTimeout(
        () => stop(new Error(`tar took longer than ${Math.round((options.timeoutMs ?? 0) / 1000)} s`)),
        options.timeoutMs,
      )
    : undefined;
  const finish = (): void => {
    clearTimeout(timer);
    if (failure) out.destroy(failure);
    // 1 means a file changed while it was read: the archive is still whole.
    else if (exitCode === 0 || exitCode === 1) out.end();
    else out.destroy(new Error(`tar failed (exit ${exitCode}): ${stderr.trim().split("\n").slice(-3).join("; ")}`));
  };
  if (options.maxBytes !== undefined) {
    const maxBytes = options.maxBytes;
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) stop(new Error(`the archive is larger than ${maxBytes} bytes`));
    });
  }
  child.stdout.pipe(out, { end: false });
  child.stdout.on("end", () => {
    ended = true;
    if (exitCode !== undefined) finish();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.on("error", (error) => out.destroy(new Error(`tar could not start: ${error.message}`)));
  child.on("close", (code) => {
    exitCode = code;
    if (ended) finish();
  });
  out.on("close", () => {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return out;
}
