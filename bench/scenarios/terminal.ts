import { startServer } from "@/test/server";
import { testDocker } from "@/test/docker";
import { result, type BenchResult } from "../result";
import { percentile, round } from "../stats";

/** Reads server-sent events from a fetch body and calls `onData` with each decoded `data` chunk. */
async function readEvents(response: Response, onData: (text: string) => void): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (block.includes("event: data") && data)
        onData(Buffer.from((JSON.parse(data) as { data: string }).data, "base64").toString());
      end = buffer.indexOf("\n\n");
    }
  }
}

/** Typing in the web terminal: a key sent over HTTP until its echo arrives over server-sent events. */
export async function terminalTyping(): Promise<BenchResult> {
  await using server = await startServer();
  await fetch(`${server.url}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ language: "bash", session_id: "bench-term" }),
  });
  const opened = (await (
    await fetch(`${server.url}/api/sessions/bench-term/terminals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
  ).json()) as { terminal_id: string };
  const base = `${server.url}/api/sessions/bench-term/terminals/${opened.terminal_id}`;
  const controller = new AbortController();
  let seen = "";
  let waiter: (() => void) | undefined;
  const output = await fetch(`${base}/output`, { signal: controller.signal });
  void readEvents(output, (text) => {
    seen += text;
    waiter?.();
  }).catch(() => undefined);
  const roundTrip = async (char: string): Promise<number> => {
    seen = "";
    const started = performance.now();
    const echoed = new Promise<void>((resolve) => {
      waiter = () => {
        if (seen.includes(char)) resolve();
      };
    });
    await fetch(`${base}/input`, { method: "POST", body: char });
    await echoed;
    return performance.now() - started;
  };
  await new Promise((resolve) => setTimeout(resolve, 500)); // the prompt
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < 10; i++) await roundTrip(letters[i % 26] as string);
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) samples.push(await roundTrip(letters[i % 26] as string));
  controller.abort();

  // Baseline: the same keystroke echo through a docker exec TTY, straight to the engine.
  const { docker } = testDocker();
  const container = (await docker.listContainers({ filters: { label: ["dev.sandpit.session=bench-term"] } }))[0];
  const exec = await docker
    .getContainer(container?.Id ?? "")
    .exec({ Cmd: ["bash", "-i"], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  let direct = "";
  let directWaiter: (() => void) | undefined;
  stream.on("data", (chunk: Buffer) => {
    direct += chunk.toString();
    directWaiter?.();
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const directTrip = async (char: string): Promise<number> => {
    direct = "";
    const started = performance.now();
    const echoed = new Promise<void>((resolve) => {
      directWaiter = () => {
        if (direct.includes(char)) resolve();
      };
    });
    stream.write(char);
    await echoed;
    return performance.now() - started;
  };
  const baseline: number[] = [];
  for (let i = 0; i < 200; i++) baseline.push(await directTrip(letters[i % 26] as string));
  stream.end();
  return result(
    "web terminal typing round-trip (key over HTTP, echo over SSE), p50",
    round(percentile(samples, 50), 2),
    "ms",
    { name: "the same echo through a docker exec TTY, straight to the engine, p50", value: round(percentile(baseline, 50), 2) },
    { target: "≤ 20 ms", samples: samples.length },
  );
}
