// The agent's operations: one request in, one result (or error) out.
import * as fs from "node:fs";
import * as path from "node:path";
import { AgentError, WORKSPACE, type Send } from "./context.ts";
import { confine, entryOf, extractArchive, listFiles, readFile, writeFile } from "./files.ts";
import { AGENT_PROTOCOL_VERSION, type Request } from "./protocol.ts";
import { runs, startRun } from "./runs.ts";
import { getShell, shells } from "./shells.ts";

export async function handle(request: Request, send: Send, owned: Set<string>): Promise<unknown> {
  switch (request.op) {
    case "hello":
      return { version: AGENT_PROTOCOL_VERSION, pid: process.pid, uid: process.getuid?.() };
    case "run": {
      const streamed = (request as { stream?: boolean }).stream === true;
      return startRun(request, send, request.id, streamed, owned);
    }
    case "kill": {
      const run = runs.get(request.runId);
      run?.kill();
      return { killed: run !== undefined };
    }
    case "shell.create":
      if (shells.has(request.shell)) throw new AgentError("EXISTS", `shell ${request.shell} already exists`);
      return getShell(request.shell, true).info();
    case "shell.delete": {
      const shell = shells.get(request.shell);
      if (!shell) throw new AgentError("NOT_FOUND", `shell ${request.shell} does not exist`);
      shell.stop();
      shells.delete(request.shell);
      return { deleted: true };
    }
    case "shell.list":
      return [...shells.values()].map((shell) => shell.info());
    case "shell.alive":
      return getShell(request.shell, false).info();
    case "shell.state": {
      const shell = getShell(request.shell, false);
      return { stateFile: shell.stateFile };
    }
    case "shell.exec": {
      const streamed = (request as { stream?: boolean }).stream === true;
      const shell = getShell(request.shell, true);
      return shell.exec(
        request,
        streamed ? (fd, data) => send({ id: request.id, type: "out", fd, data: data.toString("base64") }) : undefined,
      );
    }
    case "fs.list":
      return listFiles(request.path, request.recursive);
    case "fs.read":
      return readFile(request.path);
    case "fs.write":
      return writeFile(request.path, request.data, request.mode);
    case "fs.mkdir": {
      const { abs } = confine(request.path);
      fs.mkdirSync(abs, { recursive: true });
      confine(request.path, { mustExist: true });
      return entryOf(abs);
    }
    case "fs.move": {
      const from = confine(request.from, { mustExist: true });
      const to = confine(request.to);
      if (from.abs === WORKSPACE || to.abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot move /workspace itself");
      if (fs.existsSync(to.abs)) throw new AgentError("EXISTS", `"${request.to}" already exists`);
      fs.mkdirSync(path.dirname(to.abs), { recursive: true });
      fs.renameSync(from.abs, to.abs);
      return entryOf(to.abs);
    }
    case "fs.delete": {
      const { abs } = confine(request.path);
      if (abs === WORKSPACE) throw new AgentError("BAD_REQUEST", "cannot delete /workspace itself");
      const stat = fs.lstatSync(abs);
      if (stat.isDirectory() && !request.recursive) fs.rmdirSync(abs);
      else fs.rmSync(abs, { recursive: true, force: false });
      return { deleted: true };
    }
    case "archive.extract":
      return extractArchive(request.file);
    default:
      throw new AgentError("BAD_REQUEST", `unknown operation ${(request as { op: string }).op}`);
  }
}
