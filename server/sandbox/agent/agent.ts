// The Sandpit agent: runs inside every sandbox as the unprivileged sandbox user (node strips the
// types) and serves the server over a unix socket in a folder shared with the host. It starts runs,
// keeps stateful bash shells and works on files, all confined to /workspace.
import * as fs from "node:fs";
import * as net from "node:net";
import { STATE_DIR, type Send } from "./context.ts";
import { handle } from "./dispatch.ts";
import { errorOf } from "./files.ts";
import { AGENT_PROTOCOL_VERSION, type Request } from "./protocol.ts";
import { runs } from "./runs.ts";

const SOCKET = process.argv[2] ?? "/run/sandpit/agent.sock";

function serve(socket: net.Socket): void {
  const owned = new Set<string>();
  let buffer = "";
  const send: Send = (response) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (!line.trim()) continue;
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        send({ id: -1, type: "error", code: "BAD_REQUEST", message: "request is not JSON" });
        continue;
      }
      handle(request, send, owned).then(
        (result) => send({ id: request.id, type: "result", result }),
        (error: unknown) => send({ id: request.id, type: "error", ...errorOf(error) }),
      );
    }
  });
  // A run belongs to the connection that started it: when the server goes away, so does the run.
  socket.on("close", () => {
    for (const runId of owned) runs.get(runId)?.kill();
  });
  socket.on("error", () => undefined);
}

fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
// Start libuv's thread pool now: under a fork bomb, creating threads later would fail and abort.
await fs.promises.access("/");
try {
  fs.unlinkSync(SOCKET);
} catch {
  // no stale socket
}
const server = net.createServer(serve);
server.listen(SOCKET, () => {
  fs.chmodSync(SOCKET, 0o600);
  process.stdout.write(`sandpit agent ${AGENT_PROTOCOL_VERSION} listening on ${SOCKET}\n`);
});
process.on("SIGTERM", () => process.exit(0));

