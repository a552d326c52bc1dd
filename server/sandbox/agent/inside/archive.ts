// Workspace archives over the channel, flow-controlled both ways: tar runs as the sandbox user
// inside the sandbox (its CPU is the sandbox's), and no side holds more than a window of chunks.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { AgentError, BASE_ENV, spawnAsUser, WORKSPACE, type RequestContext } from "./context.ts";
import { ARCHIVE_CHUNK_BYTES, ARCHIVE_WINDOW, type Params, type Result } from "./protocol.ts";

function startTar(args: string[]): ChildProcessWithoutNullStreams {
  return spawnAsUser("tar", args, { cwd: "/", env: BASE_ENV });
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-3).join("; ");
}

/** Sends /workspace as tar.gz: sparse-aware, sensitive files left out, bounded in bytes and time. */
export function archiveOut(params: Params<"archive.out">, ctx: RequestContext): Promise<Result<"archive.out">> {
  const tar = startTar([
    "-C",
    WORKSPACE,
    "--sparse",
    "-cf",
    "-",
    "--use-compress-program=gzip -1",
    "--numeric-owner",
    "--owner=0",
    "--group=0",
    ...params.excludes.filter((pattern) => typeof pattern === "string" && !pattern.startsWith("-")).map((p) => `--exclude=${p}`),
    ".",
  ]);
  tar.stdin.end();
  return new Promise((resolve, reject) => {
    let credit = 0;
    let bytes = 0;
    let stderr = "";
    let failure: AgentError | undefined;
    const stop = (error: AgentError): void => {
      failure ??= error;
      tar.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => stop(new AgentError("TIMEOUT", `the archive took longer than ${Math.round(params.timeoutMs / 1000)} s`)),
      params.timeoutMs,
    );
    tar.stdout.pause();
    ctx.onControl((message) => {
      if (message.type === "credit" && Number.isSafeInteger(message.n) && message.n > 0) {
        credit += message.n;
        tar.stdout.resume();
      } else if (message.type === "cancel") stop(new AgentError("BAD_REQUEST", "the archive was cancelled"));
    });
    tar.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > params.maxBytes) {
        stop(new AgentError("TOO_LARGE", `the workspace archive is larger than ${params.maxBytes} bytes`));
        return;
      }
      for (let at = 0; at < chunk.length; at += ARCHIVE_CHUNK_BYTES) {
        ctx.send({ id: ctx.id, type: "data", data: chunk.subarray(at, at + ARCHIVE_CHUNK_BYTES).toString("base64") });
      }
      credit -= 1;
      if (credit <= 0) tar.stdout.pause();
    });
    tar.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    tar.on("error", (error) => stop(new AgentError("INTERNAL", `tar could not start: ${error.message}`)));
    tar.on("close", (code) => {
      clearTimeout(timer);
      // 1 means a file changed while it was read (a live workspace): the archive is still whole.
      if (failure) reject(failure);
      else if (code === 0 || code === 1) resolve({ bytes });
      else reject(new AgentError("INTERNAL", `tar failed (exit ${code}): ${tail(stderr)}`));
    });
  });
}

/** Unpacks a tar.gz that arrives as `data` messages into /workspace, as the sandbox user. */
export function archiveIn(params: Params<"archive.in">, ctx: RequestContext): Promise<Result<"archive.in">> {
  const tar = startTar(["-xzvf", "-", "-C", WORKSPACE, "--no-same-owner", "--delay-directory-restore"]);
  return new Promise((resolve, reject) => {
    let files = 0;
    let partial = "";
    let stderr = "";
    let failure: AgentError | undefined;
    const stop = (error: AgentError): void => {
      failure ??= error;
      tar.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => stop(new AgentError("TIMEOUT", `unpacking took longer than ${Math.round(params.timeoutMs / 1000)} s`)),
      params.timeoutMs,
    );
    tar.stdin.on("error", () => undefined); // tar may end before reading everything
    ctx.onControl((message) => {
      if (message.type === "data") {
        const data = Buffer.from(message.data, "base64");
        if (data.length > ARCHIVE_CHUNK_BYTES) {
          stop(new AgentError("BAD_REQUEST", `archive chunks hold at most ${ARCHIVE_CHUNK_BYTES} bytes`));
          return;
        }
        tar.stdin.write(data, () => ctx.send({ id: ctx.id, type: "credit", n: 1 }));
      } else if (message.type === "end") tar.stdin.end();
      else if (message.type === "cancel") stop(new AgentError("BAD_REQUEST", "the upload was cancelled"));
    });
    // Counted as the names stream by: the listing is never held whole.
    tar.stdout.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = (lines.pop() ?? "").slice(-4096);
      for (const line of lines) if (line && !line.endsWith("/")) files += 1;
    });
    tar.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    tar.on("error", (error) => stop(new AgentError("INTERNAL", `tar could not start: ${error.message}`)));
    tar.on("close", (code) => {
      clearTimeout(timer);
      if (partial && !partial.endsWith("/")) files += 1;
      if (failure) reject(failure);
      else if (code === 0) resolve({ files });
      else reject(new AgentError("BAD_REQUEST", `the archive could not be unpacked: ${tail(stderr) || `tar exit ${code}`}`));
    });
    ctx.send({ id: ctx.id, type: "credit", n: ARCHIVE_WINDOW });
  });
}
