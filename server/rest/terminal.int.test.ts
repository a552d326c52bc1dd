import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
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
    await input('echo "still $BLIP in $(pwd)"\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
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
});
