import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClient } from "@/test/api";
import { startServer, type RunningServer } from "@/test/server";
import { waitFor } from "@/test/wait";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
  const client = restClient(server.url);
  await client.call("POST", "/api/sessions", { language: "python", session_id: "pty" });
  await client.call("POST", "/api/sessions", { language: "node", session_id: "ptynode" });
  await client.call("POST", "/api/sessions", { language: "go", session_id: "ptygo" });
  await client.call("POST", "/api/sessions", { language: "bash", session_id: "ptybash" });
}, 120_000);
afterAll(async () => server[Symbol.asyncDispose]());

interface Events {
  text: string;
  lastId: string;
  exit?: number;
  /** What the run showed, told with its exit. */
  outputs?: Array<{ mime: string; data: string }>;
}

/** Reads a run's events until `until` holds (or it exits); returns its output, the last event id and the exit code. */
async function read(url: string, until: (text: string) => boolean, headers: Record<string, string> = {}): Promise<Events> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: Events = { text: "", lastId: "" };
  const deadline = Date.now() + 20_000;
  while (reader && Date.now() < deadline && !until(events.text) && events.exit === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      events.lastId = /^id: (.+)$/m.exec(block)?.[1] ?? events.lastId;
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (block.includes("event: stdout") && data)
        events.text += Buffer.from((JSON.parse(data) as { data: string }).data, "base64").toString();
      if (block.includes("event: exit") && data) {
        const exit = JSON.parse(data) as { code: number; outputs?: Events["outputs"] };
        events.exit = exit.code;
        events.outputs = exit.outputs;
      }
      end = buffer.indexOf("\n\n");
    }
  }
  controller.abort();
  return events;
}

async function start(session: string, code: string): Promise<{ base: string; type: (text: string) => Promise<void> }> {
  const response = await fetch(`${server.url}/api/sessions/${session}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  expect(response.status).toBe(202);
  const { run_id } = (await response.json()) as { run_id: string };
  const base = `${server.url}/api/sessions/${session}/runs/${run_id}`;
  return {
    base,
    type: async (text) => {
      const sent = await fetch(`${base}/stdin`, { method: "POST", body: text });
      expect(sent.status).toBe(204);
    },
  };
}

describe("Interactive runs", () => {
  it("show a prompt before any newline, take typed input and resume after a dropped connection", async () => {
    const run = await start("pty", 'name = input("Name? ")\nprint(f"Hello, {name}!")\ninput("More? ")\nprint("done")\n');
    const first = await read(`${run.base}/events`, (text) => text.includes("Name? "));
    expect(first.text).toBe("Name? ");
    await run.type("Ada\r");
    // Resumed after the last event seen: only what came since, not the prompt again.
    const rest = await read(`${run.base}/events`, (text) => text.includes("More? "), { "last-event-id": first.lastId });
    expect(rest.text).not.toContain("Name?");
    expect(rest.text).toContain("Hello, Ada!");
    await run.type("\r");
    const end = await read(`${run.base}/events`, () => false, { "last-event-id": first.lastId });
    expect(end.text).toContain("done");
    expect(end.exit).toBe(0);
  }, 60_000);

  it("read EOF on Ctrl+D and stop on Ctrl+C", async () => {
    const eof = await start("pty", 'import sys\ntry:\n    input("> ")\nexcept EOFError:\n    print("got EOF")\n');
    await read(`${eof.base}/events`, (text) => text.includes("> "));
    await eof.type("\x04");
    const ended = await read(`${eof.base}/events`, () => false);
    expect(ended.text).toContain("got EOF");
    expect(ended.exit).toBe(0);

    const interrupted = await start("pty", 'import time\nprint("waiting", flush=True)\ntime.sleep(60)\n');
    await read(`${interrupted.base}/events`, (text) => text.includes("waiting"));
    await interrupted.type("\x03");
    const stopped = await read(`${interrupted.base}/events`, () => false);
    expect(stopped.text).toContain("KeyboardInterrupt");
    // The traceback names the program's file, not the folder the run keeps it in.
    expect(stopped.text).toContain('File "main.py", line 3');
    expect(stopped.text).not.toContain("/tmp/.sandpit");
    expect(stopped.exit).not.toBe(0);
  }, 60_000);

  it("stop a silent server so that its port is free when stop answers", async () => {
    const serve = 'require("node:http").createServer(() => undefined).listen(8765, "127.0.0.1");\n';
    const first = await start("ptynode", serve);
    // The server prints nothing: wait until it holds the port (a connection to it is taken). The
    // probe only connects: one that bound the port itself could take it from the server starting.
    const listening = async (): Promise<boolean> => {
      const probe = await fetch(`${server.url}/api/sessions/ptynode/run`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          code: 'require("node:net").connect(8765, "127.0.0.1").once("connect", () => process.exit(0)).once("error", () => process.exit(3));\n',
        }),
      });
      return ((await probe.json()) as { exit_code: number }).exit_code === 0;
    };
    // (Node starting under a loaded machine may take a while: the deadline is generous, the wait ends when it holds.)
    await waitFor("the silent server to hold its port", listening, 60_000);
    const stop = await fetch(`${first.base}/stop`, { method: "POST" });
    expect(await stop.json()).toEqual({ stopped: true });

    const second = await start("ptynode", `${serve}console.log("bound again");\n`);
    const events = await read(`${second.base}/events`, (text) => text.includes("bound again"));
    expect(events.text).toContain("bound again");
    expect(events.exit).toBeUndefined();
    await fetch(`${second.base}/stop`, { method: "POST" });
  }, 120_000);

  it("tell what a run showed with its exit, as the REST run result carries it", async () => {
    const plot = 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\nprint("plotted")\n';
    const interactive = await start("pty", plot);
    const events = await read(`${interactive.base}/events`, () => false);
    expect(events.text).toContain("plotted");
    expect(events.outputs?.map((output) => output.mime)).toEqual(["image/png"]);
    expect(
      Buffer.from(events.outputs?.[0]?.data ?? "", "base64")
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");

    const response = await fetch(`${server.url}/api/sessions/pty/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: plot }),
    });
    const result = (await response.json()) as { stdout: string; outputs: Array<{ mime: string; data: string }> };
    expect(result.stdout).toBe("plotted\n");
    expect(result.outputs.map((output) => output.mime)).toEqual(["image/png"]);
  }, 60_000);

  it.each([
    [
      "ptynode",
      'const rl = require("node:readline").createInterface({ input: process.stdin, output: process.stdout });\nrl.question("Name? ", (name) => { console.log(`Hi ${name}`); rl.close(); });\n',
    ],
    [
      "ptygo",
      'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Print("Name? ")\n\tin := bufio.NewScanner(os.Stdin)\n\tin.Scan()\n\tfmt.Printf("Hi %s\\n", in.Text())\n}\n',
    ],
    ["ptybash", 'read -r -p "Name? " name\necho "Hi $name"\n'],
  ])(
    "take a typed line in %s (readline, bufio.Scanner, read)",
    async (session, code) => {
      const run = await start(session, code);
      const prompt = await read(`${run.base}/events`, (text) => text.includes("Name? "));
      expect(prompt.text).toContain("Name? ");
      await run.type("Grace\r");
      const end = await read(`${run.base}/events`, () => false, { "last-event-id": prompt.lastId });
      expect(end.text).toContain("Hi Grace");
      expect(end.exit).toBe(0);
    },
    90_000,
  );
});
