import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";
import { waitFor } from "@/test/wait";

let server: RunningServer;

beforeAll(async () => {
  // A short idle timeout, so the sandbox hibernates into a snapshot during the test.
  server = await startServer({ SANDPIT_IDLE_TIMEOUT: "5s", LOG_LEVEL: "debug" });
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  return (await restClient(server.url).call("POST", path, body)).body;
}

/** Files under `dir` whose bytes contain `needle` (the object store's archives are unpacked first). */
function filesContaining(dir: string, needle: string): string[] {
  const script = `
    set -u
    found=$(grep -rlaF -- "$1" "$2" 2>/dev/null || true)
    for archive in $(find "$2" -name '*.tar.gz' 2>/dev/null); do
      if tar -xzOf "$archive" 2>/dev/null | grep -qaF -- "$1"; then found="$found
$archive"; fi
    done
    printf '%s' "$found"`;
  return execFileSync("bash", ["-c", script, "scan", needle, dir], { encoding: "utf8" }).split("\n").filter(Boolean);
}

describe("Secrets", () => {
  it("a per-run secret is found nowhere: database, object store, layers, snapshots, logs", async () => {
    const secret = `run-secret-${randomBytes(12).toString("hex")}`;
    const setupValue = `setup-value-${randomBytes(12).toString("hex")}`;
    await post("/api/sessions", {
      language: "python",
      session_id: "secrets",
      setup: { commands: ['echo "$MODE" > /dev/null; echo built > built.txt'], envs: { MODE: setupValue } },
    });
    await waitFor("the setup to complete", async () => {
      const session = (await (await fetch(`${server.url}/api/sessions/secrets`)).json()) as { setup_status: string };
      return session.setup_status === "completed";
    });
    const run = await post("/api/sessions/secrets/run", {
      code: "import os\nprint(os.environ['TOKEN'][:4])",
      env: { TOKEN: secret },
    });
    expect(run).toMatchObject({ exit_code: 0, stdout: "run-\n" });
    const streamed = await fetch(`${server.url}/api/sessions/secrets/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "print(1)", env: { TOKEN: secret } }),
    });
    await streamed.text();
    await post("/api/sessions/secrets/exec", { command: "echo ${TOKEN:0:4}", env: { TOKEN: secret } });
    await post("/api/sessions/secrets/run", { code: "print('a file')\nopen('kept.txt', 'w').write('kept')" });

    // Wait for the idle sandbox to hibernate: its workspace becomes a snapshot in the object store.
    const objects = path.join(server.dataDir, "objects");
    await waitFor("the idle sandbox's snapshot", () => {
      const snapshots = execFileSync("bash", ["-c", `find "${objects}/snapshots" -name '*.tar.gz' 2>/dev/null | wc -l`], {
        encoding: "utf8",
      });
      return Number(snapshots) > 0;
    });
    expect(filesContaining(objects, "kept")).not.toEqual([]); // the scan sees into snapshots

    expect(filesContaining(server.dataDir, secret)).toEqual([]);
    expect(server.logs()).not.toContain(secret);
    // Setup-only values live in the stored setup spec (the database) and nowhere else.
    const withSetupValue = filesContaining(server.dataDir, setupValue);
    expect(withSetupValue.every((file) => file.includes(`${path.sep}db${path.sep}`))).toBe(true);
    expect(server.logs()).not.toContain(setupValue);
  });
});
