import type { ProcessResult } from "./agent/inside/protocol";

/** Output text as a client receives it: UTF-8 when the bytes are valid UTF-8, base64 otherwise. */
export interface EncodedOutput {
  text: string;
  encoding: "utf8" | "base64";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeOutput(bytes: Buffer): EncodedOutput {
  try {
    return { text: strictUtf8.decode(bytes), encoding: "utf8" };
  } catch {
    return { text: bytes.toString("base64"), encoding: "base64" };
  }
}

/** A finished process as clients receive it: its output decoded, its exit and limits. */
export interface ProcessOutput {
  stdout: string;
  stderr: string;
  stdoutEncoding: "utf8" | "base64";
  stderrEncoding: "utf8" | "base64";
  exitCode: number;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

/** The agent's result (output in base64) as a ProcessOutput. */
export function processOutput(result: ProcessResult): ProcessOutput {
  const stdout = encodeOutput(Buffer.from(result.stdout, "base64"));
  const stderr = encodeOutput(Buffer.from(result.stderr, "base64"));
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    stdoutEncoding: stdout.encoding,
    stderrEncoding: stderr.encoding,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    truncated: result.truncated,
  };
}
