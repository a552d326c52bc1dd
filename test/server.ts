import { once } from "node:events";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import type Dockerode from "dockerode";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "./cleanup";
import { testDocker } from "./docker";

export interface RunningServer {
  url: string;
  /** The server's process id (for memory readings). */
  pid: number;
  dataDir: string;
  logs: () => string;
  /** Kills the server with SIGKILL (no shutdown at all) and waits until it is gone. */
  crash(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Sends `signal` and waits for the exit; a process still there after 5 s is killed. */
async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A TCP port free on loopback now (for a server the test starts next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface ServerOptions {
  /** A data folder of an earlier server (a restart), or one the caller made and removes. */
  dataDir?: string;
  /** The port to listen on (default: a free one). */
  port?: number;
  /** The engine its containers run on, to remove them with its data folder (default: the tests' engine). */
  docker?: Dockerode;
}

/** The built Sandpit (next start) on a free loopback port with its own data folder. */
export async function startServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<RunningServer> {
  const root = process.cwd();
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) execFileSync("npm", ["run", "--silent", "build"], { stdio: "ignore" });
  // A given data folder is another server's (a restart): the one that made it removes it.
  const dataDir = options.dataDir ?? tempDataDir("sandpit-server-");
  const port = options.port ?? (await freePort());
  let output = "";
  // serve.sh becomes the server (exec): the child's pid is the server's.
  const child: ChildProcess = spawn("bash", [path.join(root, "scripts/serve.sh"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: { ...process.env, SANDPIT_DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // How it ended, for a test that finds it gone.
  child.on("exit", (code, signal) => (output += `\n[the server exited: code ${code}, signal ${signal}]\n`));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid ?? 0,
    dataDir,
    logs: () => output,
    crash: () => stop(child, "SIGKILL"),
    async [Symbol.asyncDispose]() {
      await stop(child, "SIGTERM");
      if (options.dataDir) return;
      // Containers this server started mount folders of its data folder: remove them with it.
      await removeSandboxesOf(options.docker ?? testDocker().docker, dataDir);
      await removeDataDir(dataDir);
    },
  };
}
