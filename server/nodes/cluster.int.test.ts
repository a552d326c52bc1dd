import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { list as listTar } from "tar";
import { restClient, type Answer } from "@/test/api";
import { startCluster, type Cluster, type ClusterNode, type SessionContainer } from "@/test/cluster";
import { PROXIED_TO } from "@/test/round-robin-proxy";
import { decodedText, readEvents } from "@/test/sse";
import { requirePostgres } from "@/test/databases";
import { eventually, waitFor } from "@/test/wait";

// Sandpit as three nodes behind a round-robin proxy (test/cluster.ts): node2 on a second Docker
// engine, the others on the main one, sharing one PostgreSQL database and one S3 store. Every
// request goes through the proxy, as a user's would, and lands on whichever node is next.

let cluster: Cluster;

beforeAll(async () => {
  requirePostgres();
  cluster = await startCluster({
    env: {
      // Sandboxes left alone this long hibernate (a snapshot, the lease let go); the tests below keep theirs busy.
      SANDPIT_IDLE_TIMEOUT: "8s",
      // Background snapshots of running sandboxes, where the server makes them.
      SANDPIT_SNAPSHOT_INTERVAL: "2s",
    },
  });
}, 900_000);

afterAll(async () => {
  await cluster?.[Symbol.asyncDispose]();
  if (!cluster) return;
  // What the nodes ran on the second engine went with them (the main engine's are the leftovers check's).
  const node2 = cluster.nodes.find((node) => node.engine === "second");
  const left = await node2?.docker.listContainers({ all: true, filters: { label: ["dev.sandpit.role"] } });
  expect(left?.filter((info) => info.Mounts.some((mount) => mount.Source.startsWith(`${node2?.dataDir}/`)))).toEqual([]);
});

/** Who answered: the node the proxy sent the request to. */
const nodeOf = (answer: { headers: Headers }): string => answer.headers.get(PROXIED_TO) ?? "?";

/** A request's answer, for a failing assertion's message: status, node and error. */
const told = (answer: Answer): string => `${answer.status} from ${nodeOf(answer)}: ${JSON.stringify(answer.body)}`;

/** The session's sandbox containers that run now. */
async function running(sessionId: string): Promise<SessionContainer[]> {
  return (await cluster.containers(sessionId)).filter((c) => c.role === "sandbox" && c.running);
}

/** The files in a workspace snapshot in the object store, relative to /workspace. */
async function filesInSnapshot(key: string): Promise<string[]> {
  const names: string[] = [];
  const parser = listTar({ onReadEntry: (entry) => void (entry.type === "File" && names.push(entry.path.replace(/^\.\//, ""))) });
  const body = await cluster.s3.store().get(key);
  await new Promise<void>((resolve, reject) => {
    body.on("error", reject);
    parser.on("error", reject);
    parser.on("end", resolve);
    body.pipe(parser);
  });
  return names.sort();
}

/**
 * A session id that new-session placement puts on `node` while the nodes have about equal room: it
 * ranks the nodes by a hash of session and node id (rendezvous hashing, server/nodes/relay.ts).
 * Only a preference: the tests hold wherever the session runs.
 */
function idPlacedOn(node: ClusterNode, prefix: string): string {
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const rank = (n: ClusterNode): string => createHash("sha256").update(`${id}\n${n.id}`).digest("hex");
    if (cluster.nodes.every((other) => other === node || rank(other) < rank(node))) return id;
  }
}

/** "503 node_unavailable ×12, 409 session_elsewhere ×1" */
function summary(answers: string[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  return counts.size === 0 ? "none" : [...counts].map(([answer, n]) => `${answer} ×${n}`).join(", ");
}

/** The session's latest complete snapshot: its key in the object store and when it was taken. */
async function lastSnapshot(sessionId: string): Promise<{ key: string | null; at: Date | null }> {
  const [row] = await cluster.query<{ snapshot_key: string | null; snapshot_at: Date | null }>(
    "select snapshot_key, snapshot_at from sandboxes where session_id = $1",
    [sessionId],
  );
  return { key: row?.snapshot_key ?? null, at: row?.snapshot_at ?? null };
}

describe("Several nodes behind a round-robin proxy", () => {
  it("serve one session whichever node a request reaches: files, runs, run events and input, a terminal", async () => {
    const api = restClient(cluster.url);
    const id = "cluster-one";
    const answered = new Set<string>();
    const ok = (answer: Answer, status = 200): Answer => {
      answered.add(nodeOf(answer));
      expect(answer.status, told(answer)).toBe(status);
      return answer;
    };

    ok(await api.call("POST", "/api/sessions", { language: "python", session_id: id }), 201);
    // Files: written and read back, each request on the next node.
    for (let i = 0; i < 3; i++) {
      ok(await api.call("PUT", `/api/sessions/${id}/files/notes/${i}.txt`, { content: `note ${i}` }));
      const read = ok(await api.call("GET", `/api/sessions/${id}/files/notes/${i}.txt?format=json`));
      expect(read.body).toMatchObject({ content: `note ${i}` });
    }
    const listed = ok(await api.call("GET", `/api/sessions/${id}/files?path=notes`));
    expect((listed.body.files as Array<{ path: string }>).map((f) => f.path).sort()).toEqual([
      "notes/0.txt",
      "notes/1.txt",
      "notes/2.txt",
    ]);

    // Runs that wait for their result.
    for (let i = 0; i < 3; i++) {
      const run = ok(await api.call("POST", `/api/sessions/${id}/run`, { code: `print(open('notes/${i}.txt').read())` }));
      expect(run.body).toMatchObject({ exit_code: 0, stdout: `note ${i}\n` });
    }

    // A run streamed as server-sent events, on one node from start to end.
    const streamed = await readEvents(
      `${cluster.url}/api/sessions/${id}/stream`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: "print('streamed')" }) },
      (events) => events.some((e) => e.event === "done"),
    );
    answered.add(nodeOf(streamed));
    expect(streamed.status, streamed.text).toBe(200);
    const stdout = streamed.events
      .filter((e) => e.event === "stdout")
      .map((e) => JSON.parse(e.data) as { data: string; encoding: string })
      .map((chunk) => Buffer.from(chunk.data, chunk.encoding === "base64" ? "base64" : "utf8").toString())
      .join("");
    expect(stdout).toBe("streamed\n");
    expect(JSON.parse(streamed.events.find((e) => e.event === "done")?.data ?? "{}")).toMatchObject({ exit_code: 0 });

    // An interactive run: started on one node, its events read and its input typed on others.
    const started = ok(
      await api.call("POST", `/api/sessions/${id}/runs`, { code: "name = input('name? ')\nprint('hello', name)" }),
      202,
    );
    const runId = started.body.run_id as string;
    const prompt = await readEvents(`${cluster.url}/api/sessions/${id}/runs/${runId}/events`, {}, (events) =>
      decodedText(events, "stdout").includes("name?"),
    );
    answered.add(nodeOf(prompt));
    expect(prompt.status, prompt.text).toBe(200);
    for (let i = 0; i < 2; i++) {
      // Stdin reaches the run through whichever node: the first call types, the second only checks the route.
      const typed = await fetch(`${cluster.url}/api/sessions/${id}/runs/${runId}/stdin`, {
        method: "POST",
        body: i === 0 ? "cluster\n" : "",
      });
      answered.add(nodeOf(typed));
      expect(typed.status, await typed.text()).toBe(204);
    }
    const after = await readEvents(
      `${cluster.url}/api/sessions/${id}/runs/${runId}/events`,
      { headers: { "last-event-id": prompt.events.at(-1)?.id ?? "0" } },
      (events) => events.some((e) => e.event === "exit"),
    );
    answered.add(nodeOf(after));
    expect(after.status, after.text).toBe(200);
    expect(decodedText(after.events, "stdout")).toContain("hello cluster");
    expect(JSON.parse(after.events.find((e) => e.event === "exit")?.data ?? "{}")).toEqual(expect.objectContaining({ code: 0 }));

    // A terminal: opened on one node, its output read on another while input is typed on a third.
    const opened = ok(await api.call("POST", `/api/sessions/${id}/terminals`, { cols: 100, rows: 30 }), 201);
    const terminal = `${cluster.url}/api/sessions/${id}/terminals/${opened.body.terminal_id as string}`;
    const output = readEvents(`${terminal}/output`, {}, (events) => decodedText(events, "data").includes("answer=42"));
    for (const line of ["cd /workspace/notes", "echo answer=$((6*7)) in $(pwd)"]) {
      const typed = await fetch(`${terminal}/input`, { method: "POST", body: `${line}\n` });
      answered.add(nodeOf(typed));
      expect(typed.status, await typed.text()).toBe(204);
    }
    const shown = await output;
    answered.add(nodeOf(shown));
    expect(shown.status, shown.text).toBe(200);
    expect(decodedText(shown.events, "data")).toContain("answer=42 in /workspace/notes");
    ok(await api.call("DELETE", terminal.slice(cluster.url.length)));

    // Every node answered some of it, and the sandbox ran on one of them only.
    expect([...answered].sort()).toEqual(cluster.nodes.map((node) => node.url).sort());
    const holder = await cluster.holder(id);
    expect(holder, "a node holds the session's lease").toBeDefined();
    const containers = await running(id);
    expect(containers.map((c) => ({ engine: c.engine, node: c.node }))).toEqual([{ engine: holder?.engine, node: holder?.id }]);
  });

  it("never runs a session on two nodes at once while parallel requests reach it through every node", async () => {
    const api = restClient(cluster.url);
    const id = "cluster-hammer";
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);

    // Both engines' listings, sampled all along: the nodes whose containers of the session run at once.
    let sampling = true;
    let samples = 0;
    const together: string[][] = [];
    const sampler = (async () => {
      while (sampling) {
        const nodes = [...new Set((await running(id)).map((c) => `${c.engine}:${c.node}`))];
        samples++;
        if (nodes.length > 1) together.push(nodes);
      }
    })();

    const REQUESTS = 90;
    const PARALLEL = 9;
    const statuses: string[] = [];
    let next = 0;
    const deadline = Date.now() + 90_000;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS && Date.now() < deadline) {
        const i = next++;
        const answer =
          i % 3 === 0
            ? await api.call("PUT", `/api/sessions/${id}/files/h/${i}.txt`, { content: String(i) })
            : i % 3 === 1
              ? await api.call("POST", `/api/sessions/${id}/run`, { code: `print(${i})` })
              : await api.call("GET", `/api/sessions/${id}/files?path=.`);
        statuses.push(answer.status === 200 ? "200" : told(answer));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    sampling = false;
    await sampler;

    console.info(`hammer: ${statuses.length} requests, ${PARALLEL} at a time; ${samples} samples of both engines' containers`);
    expect(samples).toBeGreaterThan(10);
    expect(together, "samples in which the session ran on more than one node").toEqual([]);
    expect(statuses).toHaveLength(REQUESTS);
    expect(statuses.filter((s) => s !== "200")).toEqual([]);
    const written = await api.call("GET", `/api/sessions/${id}/files?path=h`);
    expect(written.status, told(written)).toBe(200);
    expect((written.body.files as unknown[]).length).toBe(REQUESTS / 3);
    expect((await running(id)).length).toBe(1);
  });

  it("kill -9 of the node that holds a session: the next requests are served by another node from the last snapshot", async () => {
    const api = restClient(cluster.url);
    // On node2 if placement has its way: the crash of a node whose engine is another host's.
    const id = idPlacedOn(cluster.nodes[1] as ClusterNode, "cluster-crash");
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
    const kept = await api.call("PUT", `/api/sessions/${id}/files/kept.txt`, { content: "kept" });
    expect(kept.status, told(kept)).toBe(200);
    const first = (await lastSnapshot(id)).key;
    // A snapshot taken after the write: a background one, or the one the sandbox hibernated with when left idle.
    await eventually(
      "a snapshot holding kept.txt",
      async () => {
        const { key } = await lastSnapshot(id);
        return key && key !== first && (await filesInSnapshot(key)).includes("kept.txt") ? key : undefined;
      },
      90_000,
    );
    // Work after that snapshot, on a running sandbox (woken again if it hibernated).
    const late = await api.call("PUT", `/api/sessions/${id}/files/late.txt`, { content: "late" });
    expect(late.status, told(late)).toBe(200);
    const holder = await eventually("the node holding the session", () => cluster.holder(id));
    expect((await running(id)).map((c) => c.node)).toEqual([holder.id]);

    await cluster.crash(holder);
    const crashedAt = Date.now();
    // The last snapshot that completed before the kill (an upload the kill cut short never counts).
    const last = await lastSnapshot(id);
    expect(last.key).not.toBeNull();
    const expected = await filesInSnapshot(last.key as string);
    expect(expected).toContain("kept.txt");

    // Until the dead node's lease lapses (3 heartbeats) a request may be told to retry; none may fail otherwise.
    const interim: string[] = [];
    const served = await eventually(
      "a request served after the crash",
      async () => {
        const answer = await api.call("GET", `/api/sessions/${id}/files/kept.txt?format=json`);
        if (answer.status === 200) return answer;
        interim.push(`${answer.status} ${String(answer.body.error)}`);
        expect([409, 502, 503], told(answer)).toContain(answer.status);
        return undefined;
      },
      30_000,
    );
    const recoveredInMs = Date.now() - crashedAt;
    expect(served.body).toMatchObject({ content: "kept" });
    // Then every node serves it, with the files of the last snapshot: late.txt only if that snapshot caught it.
    for (const _ of cluster.nodes) {
      const listing = await api.call("GET", `/api/sessions/${id}/files`);
      expect(listing.status, told(listing)).toBe(200);
      const files = (listing.body.files as Array<{ path: string; type: string }>)
        .filter((f) => f.type === "file")
        .map((f) => f.path);
      expect(files.sort()).toEqual(expected);
    }
    const run = await api.call("POST", `/api/sessions/${id}/run`, { code: "print(open('kept.txt').read())" });
    expect(run.status, told(run)).toBe(200);
    expect(run.body).toMatchObject({ exit_code: 0, stdout: "kept\n" });
    const successor = await cluster.holder(id);
    expect(successor).toBeDefined();
    expect(successor?.id).not.toBe(holder.id);
    // The session says it was taken over, from which node, and from the snapshot of when.
    const view = await api.call("GET", `/api/sessions/${id}`);
    expect(view.body.recovered).toMatchObject({ from_node: holder.id, snapshot_at: last.at?.toISOString() });

    // Live nodes run it once. The dead node's container is gone when the node that took over shares its
    // engine (it removes the container the database names before starting its own); on an engine of
    // its own it runs on, reached by nothing, until the dead node comes back and drops that older copy.
    const orphans = (await running(id)).filter((c) => c.node === holder.id);
    expect((await running(id)).filter((c) => c.node !== holder.id).map((c) => c.node)).toEqual([successor?.id]);
    await cluster.restart(holder);
    await waitFor("the returning node to drop its older copy", async () =>
      (await running(id)).every((c) => c.node !== holder.id),
    );
    // (It may have hibernated on its new node meanwhile: left alone longer than the idle timeout.)
    expect((await running(id)).filter((c) => c.node !== successor?.id)).toEqual([]);
    const again = await api.call("GET", `/api/sessions/${id}/files/kept.txt?format=json`);
    expect(again.status, told(again)).toBe(200);

    console.info(
      `crash of ${holder.name} (${holder.engine} engine): ${successor?.name} (${successor?.engine} engine) served the session ` +
        `${recoveredInMs} ms after the kill; answers meanwhile: ${summary(interim)}; the dead node's containers still running ` +
        `until it returned: ${orphans.length}; files of the last snapshot: ${expected.join(", ")}`,
    );
  });

  // Every node must place a new session alike; one that leaves the returning node out (it did not
  // answer a relayed request a moment ago) places it elsewhere, and parallel first requests then race.
  it("a node back from a crash takes its share of new sessions at once", async () => {
    const api = restClient(cluster.url);
    const id = idPlacedOn(cluster.nodes[1] as ClusterNode, "cluster-gone");
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: id })).status).toBe(201);
    const written = await api.call("PUT", `/api/sessions/${id}/files/a.txt`, { content: "a" });
    expect(written.status, told(written)).toBe(200);
    const holder = await eventually("the node holding the session", () => cluster.holder(id));
    await cluster.crash(holder);
    // Requests relayed to it while its lease runs find it not answering (and the other nodes note that).
    const meanwhile: number[] = [];
    for (const _ of cluster.nodes) meanwhile.push((await api.call("GET", `/api/sessions/${id}/files`)).status);
    expect(meanwhile).toContain(503);
    await cluster.restart(holder);

    // The first requests of a new session placed on it, made in parallel through every node, all succeed.
    const fresh = idPlacedOn(holder, "cluster-back");
    expect((await api.call("POST", "/api/sessions", { language: "python", session_id: fresh })).status).toBe(201);
    const firsts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api.call("PUT", `/api/sessions/${fresh}/files/${i}.txt`, { content: String(i) })),
    );
    expect(firsts.filter((answer) => answer.status !== 200).map(told)).toEqual([]);
    expect((await running(fresh)).map((c) => c.node)).toEqual([(await cluster.holder(fresh))?.id]);
  });
});
