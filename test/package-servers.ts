import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { guardedSetupNetwork, listenOnAllowedPort } from "./setup-network";

export interface PackageServers {
  /** A PEP 503 simple index serving sandpit-demo 0.1.0. */
  pipIndexUrl: string;
  /** A Go module proxy serving example.com/greeting v1.0.0. */
  goproxy: string;
  /** Every path the servers were asked for, to prove traffic stayed here. */
  requests: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a local pip index and GOPROXY on this host (an allowed port), serving packages built for the test. */
export async function startPackageServers(): Promise<PackageServers> {
  const dir = mkdtempSync(path.join(tmpdir(), "sandpit-packages-"));
  execFileSync("python3", [path.join(process.cwd(), "test", "build-packages.py"), dir]);
  const wheelName = "sandpit_demo-0.1.0-py3-none-any.whl";
  const wheel = readFileSync(path.join(dir, wheelName));
  const wheelSha = createHash("sha256").update(wheel).digest("hex");
  const goZip = readFileSync(path.join(dir, "greeting-v1.0.0.zip"));
  // Served from memory: the build folder is not needed any more.
  rmSync(dir, { recursive: true, force: true });
  const goMod = "module example.com/greeting\n\ngo 1.19\n";
  const info = JSON.stringify({ Version: "v1.0.0", Time: "2024-01-01T00:00:00Z" });
  const requests: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push(url);
    const send = (status: number, body: string | Buffer, type = "text/plain"): void => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (url === "/simple/" || url === "/simple")
      return send(200, '<html><body><a href="/simple/sandpit-demo/">sandpit-demo</a></body></html>', "text/html");
    if (url === "/simple/sandpit-demo/" || url === "/simple/sandpit-demo") {
      return send(
        200,
        `<html><body><a href="/files/${wheelName}#sha256=${wheelSha}">${wheelName}</a></body></html>`,
        "text/html",
      );
    }
    if (url === `/files/${wheelName}`) return send(200, wheel, "application/octet-stream");
    if (url.startsWith("/simple/")) return send(404, "not found");
    const go = /^\/go\/example\.com\/greeting\/@(v\/list|v\/v1\.0\.0\.info|v\/v1\.0\.0\.mod|v\/v1\.0\.0\.zip|latest)$/.exec(url);
    if (go) {
      const what = go[1];
      if (what === "v/list") return send(200, "v1.0.0\n");
      if (what === "v/v1.0.0.info" || what === "latest") return send(200, info, "application/json");
      if (what === "v/v1.0.0.mod") return send(200, goMod);
      return send(200, goZip, "application/zip");
    }
    send(404, "not found");
  });
  // Setup containers run on the guarded network and reach this host only on the tests' allowed ports.
  const { gateway } = await guardedSetupNetwork();
  const port = await listenOnAllowedPort(server);
  return {
    pipIndexUrl: `http://${gateway}:${port}/simple`,
    goproxy: `http://${gateway}:${port}/go`,
    requests,
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
