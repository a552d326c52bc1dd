import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { testDocker } from "@/test/docker";
import { startServer } from "@/test/server";
import { waitFor } from "@/test/wait";

const { docker } = testDocker();

/** The containers of a session, by role, running or not. */
async function containersOf(sessionId: string): Promise<Array<{ id: string; role: string; running: boolean }>> {
  const list = await docker.listContainers({ all: true, filters: { label: [`dev.sandpit.session=${sessionId}`] } });
  return list.map((c) => ({ id: c.Id, role: c.Labels["dev.sandpit.role"] ?? "", running: c.State === "running" }));
}

/** Files in a folder (recursively), for what an interrupted upload could leave. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe("Crash recovery (kill -9 of the server)", () => {
  it("during a setup: the setup runs again after the restart and completes; nothing of the first attempt is left", async () => {
    await using first = await startServer();
    const id = "crash-setup";
    const created = await restClient(first.url).call("POST", "/api/sessions", {
      language: "python",
      session_id: id,
      setup: { commands: ["echo started > started.txt", "sleep 4", "echo finished > finished.txt"] },
    });
    expect(created.status).toBe(201);
    await waitFor("the setup container", async () => (await containersOf(id)).some((c) => c.role === "setup"));
    await restClient(first.url).until(id, (s) => s.setup_status === "running");
    await first.crash();
    // Killed mid-setup: its container and work folder are still there, and no layer was stored.
    expect((await containersOf(id)).filter((c) => c.role === "setup")).toHaveLength(1);
    // (its folder, and the volume image it is mounted from)
    expect(readdirSync(first.dataDir).filter((name) => name.startsWith("setup-"))).toHaveLength(2);
    expect(filesUnder(path.join(first.dataDir, "objects", "layers"))).toEqual([]);

    await using second = await startServer({}, { dataDir: first.dataDir });
    const api = restClient(second.url);
    const done = await api.until(id, (s) => s.setup_status === "completed" || s.setup_status === "failed");
    expect(done).toMatchObject({ setup_status: "completed", setup_result: { success: true, commands_run: 3 } });
    const run = await api.call("POST", `/api/sessions/${id}/run`, { code: "print(open('finished.txt').read().strip())" });
    expect(run.body).toMatchObject({ exit_code: 0, stdout: "finished\n" });
    expect((await containersOf(id)).map((c) => c.role)).toEqual(["sandbox"]);
    expect(readdirSync(first.dataDir).filter((name) => name.startsWith("setup-"))).toEqual([]);
    expect(filesUnder(path.join(first.dataDir, "objects", "layers"))).toHaveLength(1);
    expect(filesUnder(path.join(first.dataDir, "objects", ".tmp"))).toEqual([]);
  });

  it("during a layer upload: the partial layer is never used; the setup runs again and stores a whole one", async () => {
    await using first = await startServer();
    const id = "crash-layer";
    const objects = path.join(first.dataDir, "objects");
    const created = await restClient(first.url).call("POST", "/api/sessions", {
      language: "python",
      session_id: id,
      // A big layer, so that its upload takes a while.
      setup: { commands: ["head -c 250000000 /dev/urandom > big.bin"] },
    });
    expect(created.status).toBe(201);
    await waitFor(
      "the layer upload to be under way",
      () => filesUnder(path.join(objects, ".tmp")).some((name) => statSync(path.join(objects, ".tmp", name)).size > 0),
      120_000,
    );
    await first.crash();
    expect(filesUnder(path.join(objects, "layers"))).toEqual([]);

    await using second = await startServer({}, { dataDir: first.dataDir });
    const api = restClient(second.url);
    const done = await api.until(id, (s) => s.setup_status === "completed" || s.setup_status === "failed", 180_000);
    expect(done).toMatchObject({ setup_status: "completed", setup_result: { success: true } });
    expect(filesUnder(path.join(objects, "layers"))).toHaveLength(1);
    expect(filesUnder(path.join(objects, ".tmp"))).toEqual([]);
    const run = await api.call("POST", `/api/sessions/${id}/run`, { code: "import os\nprint(os.path.getsize('big.bin'))" });
    expect(run.body).toMatchObject({ exit_code: 0, stdout: "250000000\n" });
  });

  it("during a run: the run ends with the server, the sandbox is adopted, completed runs and files are intact", async () => {
    await using first = await startServer();
    const api = restClient(first.url);
    const id = "crash-run";
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
    const kept = await api.call("POST", `/api/sessions/${id}/run`, { code: "open('kept.txt', 'w').write('kept')" });
    expect(kept.body).toMatchObject({ exit_code: 0 });
    const long = api
      .call("POST", `/api/sessions/${id}/run`, {
        code: "import time\nopen('started.txt', 'w').write('1')\ntime.sleep(120)",
        timeout: 300,
      })
      .catch((error: unknown) => error);
    await waitFor(
      "the long run to start",
      async () => (await api.call("GET", `/api/sessions/${id}/files/started.txt`)).status === 200,
    );
    const [sandbox] = await containersOf(id);
    await first.crash();
    expect(await long).toBeInstanceOf(Error);

    await using second = await startServer({}, { dataDir: first.dataDir });
    // The run belonged to the first server's connection: the agent ends it when the next server,
    // re-attached to the container, says hello.
    const container = docker.getContainer(sandbox?.id ?? "");
    await waitFor("the run's process to end", async () => {
      const exec = await container.exec({ Cmd: ["ps", "-eo", "args"], AttachStdout: true, User: "1000" });
      const stream = await exec.start({ hijack: true, stdin: false });
      let out = "";
      stream.on("data", (chunk: Buffer) => (out += chunk.toString("latin1")));
      await new Promise((resolve) => stream.on("end", resolve));
      return !out.includes("time.sleep");
    });
    const again = restClient(second.url);
    const runs = await again.call("GET", `/api/sessions/${id}/runs`);
    expect(runs.status).toBe(200);
    const recorded = runs.body.runs as Array<{ id: string; exit_code: number }>;
    expect(recorded.map((r) => r.id)).toEqual([kept.body.run_id]);
    const after = await again.call("POST", `/api/sessions/${id}/run`, { code: "print(open('kept.txt').read())" });
    expect(after.body).toMatchObject({ exit_code: 0, stdout: "kept\n" });
    // The same container, adopted: no second one, no orphan.
    expect((await containersOf(id)).map((c) => c.id)).toEqual([sandbox?.id]);
    expect(await again.call("GET", `/api/sessions/${id}`)).toMatchObject({ body: { sandbox: { state: "running" } } });
  });

  it("during a hibernation snapshot: the partial snapshot is never used, the sandbox is adopted, nothing is lost", async () => {
    // No warm sandboxes: the session's containers are found by its label, which a warm sandbox it
    // took does not carry (their adoption after a crash is server/sandbox/pool.int.test.ts's).
    await using first = await startServer({ SANDPIT_IDLE_TIMEOUT: "5s", SANDPIT_WARM_POOL: "0" });
    const api = restClient(first.url);
    const id = "crash-hibernate";
    const objects = path.join(first.dataDir, "objects");
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
    await api.call("POST", `/api/sessions/${id}/run`, { code: "open('note.txt', 'w').write('v1')" });
    // A first, complete hibernation: snapshot A.
    await waitFor("a first snapshot", () => filesUnder(path.join(objects, "snapshots")).length === 1);
    await api.until(id, (s) => (s.sandbox as { state: string }).state === "hibernated", 60_000);
    const snapshotA = filesUnder(path.join(objects, "snapshots"));
    expect(snapshotA).toHaveLength(1);

    // New work, big enough that the next snapshot takes a while to write.
    const write = await api.call("POST", `/api/sessions/${id}/run`, {
      code: "import os\nopen('note.txt', 'w').write('v2')\nwith open('big.bin', 'wb') as f:\n    for _ in range(300): f.write(os.urandom(1 << 20))",
      timeout: 120,
    });
    expect(write.body).toMatchObject({ exit_code: 0 });
    await waitFor("the snapshot upload to be under way", () =>
      filesUnder(path.join(objects, ".tmp")).some((name) => statSync(path.join(objects, ".tmp", name)).size > 0),
    );
    await first.crash();
    expect(filesUnder(path.join(objects, ".tmp"))).toHaveLength(1);
    expect(filesUnder(path.join(objects, "snapshots"))).toEqual(snapshotA);

    await using second = await startServer({ SANDPIT_IDLE_TIMEOUT: "1h", SANDPIT_WARM_POOL: "0" }, { dataDir: first.dataDir });
    const again = restClient(second.url);
    // The snapshot is made inside the sandbox, which outlives the server: it is adopted, with its files.
    expect(await again.call("GET", `/api/sessions/${id}`)).toMatchObject({ body: { sandbox: { state: "running" } } });
    const check = await again.call("POST", `/api/sessions/${id}/run`, {
      code: "import os\nprint(open('note.txt').read(), os.path.getsize('big.bin'))",
    });
    expect(check.body).toMatchObject({ exit_code: 0, stdout: `v2 ${300 * 1024 * 1024}\n` });
    // The partial upload is gone and never became a snapshot; one sandbox container.
    expect(filesUnder(path.join(objects, ".tmp"))).toEqual([]);
    expect(filesUnder(path.join(objects, "snapshots"))).toEqual(snapshotA);
    expect((await containersOf(id)).map((c) => c.role)).toEqual(["sandbox"]);
  });
});
