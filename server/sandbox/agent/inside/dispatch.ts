// The agent's operations: one handler per operation of the protocol, typed from its op map.
import { AgentError, asUser, type RequestContext } from "./context.ts";
import { archiveIn, archiveOut } from "./archive.ts";
import { abortWrite, deletePath, listFiles, makeDirectory, moveFile, readChunk, writeChunk } from "./files.ts";
import { AGENT_PROTOCOL_VERSION, RUN_INPUT_BYTES, type Op, type Params, type Result } from "./protocol.ts";
import { packageTypes } from "./package-types.ts";
import { runs, startRun } from "./runs.ts";
import { listPorts } from "./ports.ts";
import { getShell, shells } from "./shells.ts";
import { accept, connect, listen } from "./tunnel.ts";
import { watch } from "./watch.ts";

/** What a handler knows of the connection: the runs it owns end when the server reconnects. */
export interface Connection {
  runs: Set<string>;
}

type Handler<O extends Op> = (params: Params<O>, ctx: RequestContext, connection: Connection) => Result<O> | Promise<Result<O>>;

function object(params: unknown): Record<string, unknown> {
  if (typeof params !== "object" || params === null || Array.isArray(params))
    throw new AgentError("BAD_REQUEST", "params must be an object");
  return params as Record<string, unknown>;
}

export const handlers: { [O in Op]: Handler<O> } = {
  hello: () => ({ version: AGENT_PROTOCOL_VERSION, pid: process.pid, uid: process.getuid?.() ?? -1 }),
  run: (params, ctx, connection) => startRun(params, ctx, connection.runs),
  kill: async (params) => {
    const run = runs.get(params.runId);
    await run?.kill();
    return { killed: run !== undefined };
  },
  "run.input": (params) => {
    if (typeof params.data !== "string" || params.data.length > Math.ceil(RUN_INPUT_BYTES / 3) * 4)
      throw new AgentError("TOO_LARGE", `run input is limited to ${RUN_INPUT_BYTES} bytes a request`);
    const run = runs.get(params.runId);
    if (!run) throw new AgentError("NOT_FOUND", `run ${String(params.runId)} is not running`);
    return { written: run.write(Buffer.from(params.data, "base64")) };
  },
  "shell.create": (params) => {
    if (shells.has(params.shell)) throw new AgentError("EXISTS", `shell ${params.shell} already exists`);
    return getShell(params.shell, true).info();
  },
  "shell.delete": (params) => {
    const shell = shells.get(params.shell);
    if (!shell) throw new AgentError("NOT_FOUND", `shell ${params.shell} does not exist`);
    shell.stop();
    shells.delete(params.shell);
    return { deleted: true };
  },
  "shell.list": () => [...shells.values()].map((shell) => shell.info()),
  "shell.alive": (params) => getShell(params.shell, false).info(),
  "shell.state": (params) => ({ stateFile: getShell(params.shell, false).stateFile }),
  "shell.exec": (params, ctx) =>
    getShell(params.shell, true).exec(
      params,
      params.stream === true ? (fd, data) => ctx.send({ id: ctx.id, type: "out", fd, data: data.toString("base64") }) : undefined,
    ),
  "fs.list": (params) => asUser(() => listFiles(params.path, params.recursive)),
  "fs.read": (params) => asUser(() => readChunk(params.path, params.offset, params.length)),
  "fs.write": (params) => asUser(() => writeChunk(params)),
  "fs.abort": (params) => asUser(() => abortWrite(params.path, params.token)),
  "fs.mkdir": (params) => asUser(() => makeDirectory(params.path)),
  "fs.move": (params) => asUser(() => moveFile(params.from, params.to)),
  "fs.delete": (params) => asUser(() => deletePath(params.path, params.recursive)),
  "fs.watch": (params, ctx) => watch(params, ctx),
  "archive.out": (params, ctx) => archiveOut(params, ctx),
  "archive.in": (params, ctx) => archiveIn(params, ctx),
  "layer.types": (params, ctx) => packageTypes(params, ctx),
  "tunnel.listen": (params, ctx) => listen(params, ctx),
  "tunnel.accept": (params, ctx) => accept(params, ctx),
  "tunnel.connect": (params, ctx) => connect(params, ctx),
  "ports.list": () => listPorts(),
};

/** Runs one request; the params' shape is the server's promise, checked where a handler relies on it. */
export async function handle(op: unknown, params: unknown, ctx: RequestContext, connection: Connection): Promise<unknown> {
  if (typeof op !== "string" || !Object.hasOwn(handlers, op))
    throw new AgentError("BAD_REQUEST", `unknown operation ${String(op)}`);
  const handler = handlers[op as Op] as Handler<Op>;
  return handler(object(params) as Params<Op>, ctx, connection);
}
