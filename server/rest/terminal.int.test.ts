import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { readFileSync } from "node:fs";
import { restClient } from "@/test/api";
import { slowReader, terminalText } from "@/test/slow-reader";
import { startServer, type RunningServer } from "@/test/server";
import { waitFor } from "@/test/wait";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ SANDPIT_TERMINALS_PER_SESSION: "2" });
  await restClient(server.url).call("POST", "/api/sessions", { language: "bash", session_id: "term" });
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

/** Reads server-sent events until `until` returns true; returns the decoded output and the last event id. */
async function read(
  url: string,
  headers: Record<string, string>,
  until: (text: string) => boolean,
): Promise<{ text: string; lastId: string }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let text = "";
  let lastId = "";
  const deadline = Date.now() + 15_000;
  while (reader && Date.now() < deadline && !until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      lastId = /^id: (.+)$/m.exec(block)?.[1] ?? lastId;
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (block.includes("event: data") && data)
        text += Buffer.from((JSON.parse(data) as { data: string }).data, "base64").toString();
      end = buffer.indexOf("\n\n");
    }
  }
  controller.abort();
  return { text, lastId };
}

describe("Web terminals", () => {
  it("keep the shell across a dropped connection and replay what was missed", async () => {
    const { terminal_id } = (await (
      await fetch(`${server.url}/api/sessions/term/terminals`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ cols: 100, rows: 30 }),
      })
    ).json()) as { terminal_id: string };
    const base = `${server.url}/api/sessions/term/terminals/${terminal_id}`;
    const input = (text: string): Promise<Response> => fetch(`${base}/input`, { method: "POST", body: text });
    await input("cd /tmp && export BLIP=kept\n");
    const first = await read(`${base}/output`, {}, (text) => text.includes("/tmp$"));
    expect(first.text).toContain("/tmp$");
    // The connection is gone (a network blip); meanwhile the shell keeps working.
    await input('echo "still $BLIP in $(pwd)" | tee /workspace/blip.txt\n');
    // The shell has run it, and printed its line, while no one was reading.
    await waitFor("the shell to run the command", async () => (await fetch(`${server.url}/api/sessions/term/files/blip.txt`)).ok);
    const again = await read(`${base}/output`, { "last-event-id": first.lastId }, (text) => text.includes("still kept in /tmp"));
    expect(again.text).toContain("still kept in /tmp");
    expect(again.text).not.toContain("export BLIP"); // replay starts after the last event seen
    expect(
      (
        await fetch(`${base}/resize`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ cols: 120, rows: 40 }),
        })
      ).status,
    ).toBe(204);
    expect((await fetch(`${base}`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`${base}/output`)).status).toBe(404);
  });

  it("are capped per session: one past SANDPIT_TERMINALS_PER_SESSION answers 409 saying what to do", async () => {
    const client = restClient(server.url);
    expect((await client.call("POST", "/api/sessions", { language: "bash", session_id: "capped" })).status).toBe(201);
    const open = (): ReturnType<typeof client.call> =>
      client.call("POST", "/api/sessions/capped/terminals", { cols: 80, rows: 24 });
    const first = await open();
    expect(first.status).toBe(201);
    expect((await open()).status).toBe(201);
    const refused = await open();
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/already has 2 open terminals.*SANDPIT_TERMINALS_PER_SESSION.*close one/);
    const closed = await client.call("DELETE", `/api/sessions/capped/terminals/${String(first.body.terminal_id)}`);
    expect(closed.status).toBe(200);
    expect((await open()).status).toBe(201);
  });

  it("keep the server's memory bounded while a terminal floods a reader taking 2 kB/s; the reader is told what it missed", async () => {
    // What the server said last, and how it ended if it did: a failure here is otherwise silent.
    onTestFailed(() => console.log(`server output (last 4000 characters):\n${server.logs().slice(-4000)}`));
    const client = restClient(server.url);
    expect((await client.call("POST", "/api/sessions", { language: "bash", session_id: "flood" })).status).toBe(201);
    const created = await client.call("POST", "/api/sessions/flood/terminals", { cols: 80, rows: 24 });
    const base = `/api/sessions/flood/terminals/${String(created.body.terminal_id)}`;
    const { hostname, port } = new URL(server.url);
    const rssMb = (): number => {
      let status: string;
      try {
        status = readFileSync(`/proc/${server.pid}/status`, "utf8");
      } catch {
        throw new Error(`the server is gone:\n${server.logs().slice(-4000)}`);
      }
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
    };
    const reader = slowReader(hostname, Number(port), `${base}/output`);
    await waitFor("the stream to open", () => reader.received().includes(" 200 OK"), 30_000);
    const before = rssMb();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
    // The flood is bounded in time inside the sandbox; a second reader, reading fast, sees its end.
    const watcher = slowReader(hostname, Number(port), `${base}/output`);
    // It keeps the stream's last 1 MB: a whole event, however big the terminal's last chunk was
    // (one cut at its start cannot be read, and a 64 kB window cut the last one on a loaded machine).
    watcher.speedUp(1024 * 1024);
    await client.call("POST", `${base}/input`, "timeout 15 yes 0123456789abcdefghijklmnopqrstuvwxyz; echo FLOOD-$((0+1))DONE\n", {
      "content-type": "application/octet-stream",
    });
    await waitFor("the flood to end", () => terminalText(watcher.received()).includes("FLOOD-1DONE"), 120_000);
    clearInterval(sampler);
    const seen = watcher.bytes();
    console.log(
      `REST terminal flood: fast reader got ${(seen / 1e6).toFixed(0)} MB, slow reader ${reader.received().length} bytes; server RSS +${(peak - before).toFixed(1)} MB (peak)`,
    );
    expect(seen).toBeGreaterThan(50e6); // the flood was real
    // Before, the server queued everything the slow reader had not taken (+1.1 GB in 30 s).
    expect(peak - before).toBeLessThan(128);
    reader.speedUp();
    await waitFor("the slow reader's gap event", () => reader.received().includes("event: gap"), 30_000);
    reader.socket.destroy();
    watcher.socket.destroy();
    expect((await client.call("DELETE", base)).status).toBe(200);
  });
});
