// Sandpit's HTTP server: the Next.js app, and previews. A request or WebSocket upgrade whose Host
// is under the preview domain goes to the preview gateway the app installs when its services start
// (server/preview/gateway.ts); everything else goes to the app, whose checks then apply.
//   bash scripts/serve.sh [-p port] [-H host]   (which runs it with Node.js's memory settings)
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

process.env.NODE_ENV = "production";
const args = process.argv.slice(2);
const option = (short, long, fallback) => {
  const at = args.findIndex((arg) => arg === short || arg === long);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const port = Number(option("-p", "--port", process.env.PORT || "3000"));
const hostname = option("-H", "--hostname", process.env.SANDPIT_HOST || "127.0.0.1");
// What `next start -p` does too: the app reads its own port from PORT (its Host checks use it).
process.env.PORT = String(port);
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// The configuration as the build resolved it, as Next's standalone server takes it: loading
// next.config.ts again would load the SWC compiler, some 40 MB kept for the life of the process.
// (Sandpit's own settings are validated when its services start.)
const built = path.join(dir, ".next", "required-server-files.json");
if (existsSync(built) && !process.env.__NEXT_PRIVATE_STANDALONE_CONFIG)
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(JSON.parse(readFileSync(built, "utf8")).config);

const { default: next } = await import("next");
const app = next({ dev: false, dir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();
const upgradeApp = app.getUpgradeHandler();

const GATEWAY = Symbol.for("sandpit.preview-gateway");
const gateway = () => globalThis[GATEWAY];
// With more than one node (server/nodes/relay.ts): a request about a session another node runs is
// sent on to that node before the app sees it. Previews are sent on by their gateway, which knows
// their session once it has checked the preview's cookie.
const RELAY = Symbol.for("sandpit.relay");

const server = http.createServer((request, response) => {
  const previews = gateway();
  if (previews?.claims(request.headers.host)) return previews.handle(request, response);
  const relay = globalThis[RELAY];
  if (!relay) return void handle(request, response);
  relay.web(request, response).then(
    (relayed) => {
      if (!relayed) void handle(request, response);
    },
    (error) => {
      console.error("relay:", error);
      void handle(request, response);
    },
  );
});
server.on("upgrade", (request, socket, head) => {
  const previews = gateway();
  if (previews?.claims(request.headers.host)) previews.upgrade(request, socket, head);
  else if (upgradeApp) void upgradeApp(request, socket, head);
  else socket.destroy();
});
server.listen(port, hostname, () => console.log(`Sandpit listening on http://${hostname}:${port}`));
// The app marks this node stopped in the database on the way out (server/services.ts), for 5 s at most.
const SHUTDOWN = Symbol.for("sandpit.shutdown");
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    const done = Promise.resolve(globalThis[SHUTDOWN]?.()).catch((error) => console.error("shutdown:", error));
    const limit = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
    void Promise.race([done, limit]).then(() => process.exit(0));
  });
