// The Sandpit agent: runs inside every sandbox as container root with only the capabilities to
// start processes as the sandbox user, and serves the server over the container's attach stream:
// requests on stdin, answers on stdout, one JSON object a line. User code runs as uid 1000 and
// cannot signal, trace or read this process, nor reach its stdio. Sandboxes run it bundled into one
// JavaScript file (scripts/build-agent.mjs), so their Node.js loads no TypeScript type stripper.
import * as fs from "node:fs";
import * as net from "node:net";
import { asUser, dropGroups, STATE_DIR, type RequestContext } from "./context.ts";
import { handle, type Connection } from "./dispatch.ts";
import { errorOf } from "./files.ts";
import { MAX_LINE_BYTES, type AgentMessage, type ServerMessage } from "./protocol.ts";
import { runs } from "./runs.ts";

// A pipe written through a socket is non-blocking: a slow reader backs up this stream, not the process.
const out = new net.Socket({ fd: 1, readable: false, writable: true });
// The server side of the attach stream is gone for good: nothing more can be said.
out.on("error", (error) => {
  log(`agent: stdout failed: ${error.message}`);
  process.exit(0);
});

function send(message: AgentMessage): void {
  let line = JSON.stringify(message);
  // The server closes the channel on a longer line, which would end the whole sandbox: an answer too
  // big for one line (a huge listing, say) fails only its own request.
  if (Buffer.byteLength(line) > MAX_LINE_BYTES && message.type === "result") {
    line = JSON.stringify({
      id: message.id,
      type: "error",
      code: "BAD_REQUEST",
      message: `the answer is larger than ${MAX_LINE_BYTES / 1024 / 1024} MiB: ask for less (a folder, not the whole tree)`,
    } satisfies AgentMessage);
  }
  out.write(`${line}\n`);
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Requests of the current server connection; a `hello` starts a new one and ends the old one's runs. */
let connection: Connection = { runs: new Set() };
let generation = 0;
const controls = new Map<number, (message: ServerMessage) => void>();

function onHello(): void {
  for (const runId of connection.runs) void runs.get(runId)?.kill();
  for (const id of controls.keys()) controls.get(id)?.({ id, type: "cancel" });
  controls.clear();
  connection = { runs: new Set() };
  generation += 1;
}

function onMessage(message: ServerMessage & { op?: unknown; params?: unknown }): void {
  if (typeof message.id !== "number") return;
  if (message.type !== "request") {
    controls.get(message.id)?.(message);
    return;
  }
  if (message.op === "hello") onHello();
  const mine = generation;
  const id = message.id;
  const ctx: RequestContext = {
    id,
    // Answers for a connection that is gone would reach the new one under reused ids: dropped.
    send: (reply) => {
      if (generation === mine) send(reply);
    },
    onControl: (handler) => controls.set(id, handler),
  };
  // handle() is async: a synchronous throw in a handler becomes a rejection.
  handle(message.op, message.params, ctx, connection)
    .then(
      (result) => ctx.send({ id, type: "result", result }),
      (error: unknown) => ctx.send({ id, type: "error", ...errorOf(error) }),
    )
    .finally(() => {
      if (generation === mine) controls.delete(id);
    });
}

let pending: Buffer[] = [];
let pendingBytes = 0;
let skipping = false; // inside a line that is already too long

function onLine(line: Buffer): void {
  if (line.length === 0) return;
  let message: ServerMessage;
  try {
    message = JSON.parse(line.toString("utf8")) as ServerMessage;
  } catch {
    // A line cut short by a server that went away mid-write: the next server starts with a newline.
    log("agent: dropped a line that is not JSON");
    return;
  }
  if (typeof message !== "object" || message === null) return;
  onMessage(message);
}

process.stdin.on("data", (chunk: Buffer) => {
  let start = 0;
  let newline = chunk.indexOf(10);
  while (newline >= 0) {
    const piece = chunk.subarray(start, newline);
    const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
    pending = [];
    pendingBytes = 0;
    if (!skipping && line.length <= MAX_LINE_BYTES) onLine(line);
    else log("agent: dropped an oversized line");
    skipping = false;
    start = newline + 1;
    newline = chunk.indexOf(10, start);
  }
  if (start < chunk.length) {
    pendingBytes += chunk.length - start;
    if (pendingBytes > MAX_LINE_BYTES) {
      pending = [];
      pendingBytes = 0;
      skipping = true;
    } else if (!skipping) pending.push(Buffer.from(chunk.subarray(start)));
  }
});
// With no one attached, stdin stays open (StdinOnce false); its end means the container is going.
process.stdin.on("end", () => {
  log("agent: stdin ended");
  process.exit(0);
});

dropGroups();
asUser(() => fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 }));
// Start libuv's thread pool now: under a fork bomb, creating threads later would fail and abort.
// Its one thread (UV_THREADPOOL_SIZE, set on the agent's command line) is enough: the agent's
// file work is synchronous, and each thread makes every switch to the sandbox user cost more.
await fs.promises.access("/");
log(`sandpit agent ready (uid ${process.getuid?.()})`);
process.on("SIGTERM", () => process.exit(0));
// Last resort: an exception escaping an event handler (a path user code made strange, say) is
// logged, not allowed to end the agent, which would end the sandbox and everything running in it.
process.on("uncaughtException", (error) => log(`agent: uncaught ${error.stack ?? String(error)}`));
process.on("exit", (code) => log(`agent: exiting with code ${code}`));
