import { connect, type Socket } from "node:net";

export interface SlowReader {
  socket: Socket;
  /** The raw response text so far (status line, headers, event stream). */
  received: () => string;
  /** Stops pacing: from now on everything is read as it comes, and only the last `keep` characters kept. */
  speedUp: (keep?: number) => void;
  /** Bytes read in all. */
  bytes: () => number;
}

/**
 * A GET of an event stream that takes 200 bytes every 100 ms (2 kB/s) and nothing more, as a
 * slow client would. HTTP/1.0: the body comes as it is (no chunked encoding).
 */
export function slowReader(host: string, port: number, path: string): SlowReader {
  const socket = connect(port, host);
  socket.write(`GET ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\n\r\n`);
  socket.pause();
  let text = "";
  let bytes = 0;
  const timer = setInterval(() => {
    const chunk = socket.read(200) as Buffer | null;
    if (!chunk) return;
    bytes += chunk.length;
    text += chunk.toString("latin1");
  }, 100);
  socket.on("close", () => clearInterval(timer));
  return {
    socket,
    received: () => text,
    bytes: () => bytes,
    speedUp: (keep = Infinity) => {
      clearInterval(timer);
      socket.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        text += chunk.toString("latin1");
        if (text.length > keep) text = text.slice(-keep);
      });
      socket.resume();
    },
  };
}

/** The terminal output carried by the `data` events of an event stream's text. */
export function terminalText(text: string): string {
  let output = "";
  for (const block of text.split("\n\n")) {
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (!block.includes("event: data") || !data) continue;
    try {
      output += Buffer.from((JSON.parse(data) as { data: string }).data, "base64").toString();
    } catch {
      // the last block may be cut short
    }
  }
  return output;
}
