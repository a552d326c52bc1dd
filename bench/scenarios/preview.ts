import { execFile } from "node:child_process";
import * as http from "node:http";
import { promisify } from "node:util";
import { testDocker } from "@/test/docker";
import { startServer } from "@/test/server";
import { eventually } from "@/test/wait";
import { result, type BenchResult } from "../result";
import { percentile, round, sample } from "../stats";

const execFileAsync = promisify(execFile);

const BIG_BYTES = 10 * 1024 * 1024;
/** The same server in the sandbox and in the baseline container: 10 MB on /big, two bytes on /. */
const APP = `require("node:http").createServer((req, res) => {
  if (req.url === "/big") { res.writeHead(200, { "content-length": ${BIG_BYTES} }); return res.end(Buffer.alloc(${BIG_BYTES}, 120)); }
  res.end("ok");
}).listen(8000, "0.0.0.0", () => console.log("listening"));`;

/** GET with a chosen Host header (preview names need no DNS here); resolves with the bytes received. */
function get(address: string, port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: address, port, path, headers, agent: false }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${response.statusCode}`)),
      );
    });
    request.on("error", reject);
  });
}

/**
 * A web app in a sandbox seen through its preview (relayed by the server through the agent
 * channel; the sandbox has no network), next to the same app in a container on a Docker bridge
 * network fetched straight from the host.
 */
export async function previewRelay(): Promise<BenchResult[]> {
  await using server = await startServer();
  const local = Number(new URL(server.url).port);
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  await api("POST", "/api/sessions", { language: "node", session_id: "bench-preview" });
  await api("POST", "/api/sessions/bench-preview/runs", { code: APP, serve: true });
  const link = await eventually(
    "the preview port",
    async () =>
      ((await api("GET", "/api/sessions/bench-preview/ports")).ports as Array<{ port: number; url: string; origin: string }>)[0],
  );
  const host = new URL(link.origin).host;
  const entry = new URL(link.url);
  const cookie = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: local, path: `${entry.pathname}${entry.search}`, headers: { host } }, (response) => {
        response.resume();
        resolve((response.headers["set-cookie"]?.[0] ?? "").split(";")[0] as string);
      })
      .on("error", reject);
  });
  const viaPreview = (path: string): Promise<number> => get("127.0.0.1", local, path, { host, cookie });
  const previewBig = await sample(5, () => viaPreview("/big"), 1);
  const previewSmall = await sample(100, () => viaPreview("/"), 10);

  // Baseline: the same program in a container of the runtime image on Docker's bridge network.
  const { image } = testDocker();
  const { stdout } = await execFileAsync("docker", [
    "run",
    "-d",
    "--rm",
    "--network",
    "bridge",
    "--label",
    "dev.sandpit.test=1",
    image,
    "node",
    "-e",
    APP,
  ]);
  const container = stdout.trim();
  try {
    const inspected = await execFileAsync("docker", [
      "inspect",
      "-f",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
      container,
    ]);
    const address = inspected.stdout.trim();
    await eventually("the baseline container's server", () =>
      get(address, 8000, "/").then(
        () => true,
        () => undefined,
      ),
    );
    const bridgeBig = await sample(5, () => get(address, 8000, "/big"), 1);
    const bridgeSmall = await sample(100, () => get(address, 8000, "/"), 10);
    const seconds = (ms: number): number => round(ms / 1000, 3);
    return [
      result(
        "10 MB response through a preview (sandbox under gVisor, no network), p50",
        seconds(percentile(previewBig, 50)),
        "s",
        {
          name: "the same response from a runc container on a Docker bridge network, p50",
          value: seconds(percentile(bridgeBig, 50)),
        },
        { samples: previewBig.length },
      ),
      result(
        "preview request latency (a 2-byte page), p50",
        round(percentile(previewSmall, 50), 2),
        "ms",
        {
          name: "the same request to a runc container on a Docker bridge network, p50",
          value: round(percentile(bridgeSmall, 50), 2),
        },
        { samples: previewSmall.length },
      ),
    ];
  } finally {
    await execFileAsync("docker", ["rm", "-f", container]).catch(() => undefined);
  }
}
