/** One server-sent event as it arrived. */
export interface ServerEvent {
  event: string;
  id: string | undefined;
  data: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** The events read, in order (none when the status was not 200). */
  events: ServerEvent[];
  /** The answer's text when it was not an event stream (an error's JSON). */
  text: string;
}

function parse(block: string): ServerEvent | undefined {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  return data.length > 0 || event !== "message" ? { event, id, data: data.join("\n") } : undefined;
}

/**
 * Opens a server-sent event stream and reads it until `until` says it has what it wants, the
 * stream ends, or `timeoutMs` passes (then it returns what it read: the caller's assertions say
 * what was missing). The connection is closed before it returns.
 */
export async function readEvents(
  url: string,
  init: RequestInit,
  until: (events: ServerEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<EventStream> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: ServerEvent[] = [];
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    if (response.status !== 200 || !response.body)
      return { status: response.status, headers: response.headers, events, text: await response.text() };
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (!until(events)) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replaceAll("\r\n", "\n");
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const event = parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) events.push(event);
      }
    }
    return { status: response.status, headers: response.headers, events, text: "" };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The text of base64 `data` fields of the events named `name` (terminal output, interactive runs). */
export function decodedText(events: ServerEvent[], name: string): string {
  return events
    .filter((event) => event.event === name)
    .map((event) => Buffer.from((JSON.parse(event.data) as { data: string }).data, "base64").toString())
    .join("");
}
