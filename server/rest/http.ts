import "server-only";
import { HttpRequestError, toApiError } from "@/server/errors";
import { logger } from "@/server/logger";
import { jsonDepthProblem } from "./json-depth";

/** Reads a request body as bytes, refusing it once it passes `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new HttpRequestError(413, "payload_too_large", `request bodies are limited to ${limit} bytes`);
  if (!request.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new HttpRequestError(413, "payload_too_large", `request bodies are limited to ${limit} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** True only for `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(";", 1)[0]?.trim().toLowerCase();
  return essence === "application/json";
}

/**
 * A JSON body (an empty body reads as `{}`), size-limited; bad JSON is a 400 that says where. Only
 * `application/json` counts as JSON: other types, `text/plain; charset=json` included, are what a
 * cross-site page can send without a preflight.
 */
export async function readJson(request: Request, limit: number): Promise<unknown> {
  const body = await readBody(request, limit);
  if (body.length === 0) return {};
  const type = request.headers.get("content-type");
  if (!isJsonType(type))
    throw new HttpRequestError(
      415,
      "unsupported_media_type",
      `send the body as JSON with Content-Type: application/json (got ${type === null ? "no Content-Type" : `"${type}"`})`,
    );
  const text = body.toString("utf8");
  const tooDeep = jsonDepthProblem(text, "the body");
  if (tooDeep) throw new HttpRequestError(400, "invalid_json", tooDeep);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpRequestError(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Every error as JSON `{ error, message, … }` with its status; unexpected ones are logged. */
export function errorResponse(error: unknown, context: Record<string, unknown> = {}): Response {
  const api = toApiError(error);
  if (api.status >= 500) logger.error({ err: error, ...context }, "request failed");
  const { status, retryAfter, ...body } = api;
  return json(status, body, retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {});
}

/** Bytes an event stream queues for a reader before it stops asking its source for more. */
export const EVENT_STREAM_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Server-sent events from an async generator of `[event, data]`; closing the request stops it.
 * Pull-based: the next event is asked of the generator only when the reader has room, so a slow
 * reader slows its source (which bounds or drops what it keeps) instead of growing this queue.
 */
export function eventStream(
  events: AsyncGenerator<[string, unknown]>,
  signal: AbortSignal,
  idOf?: (event: string, data: unknown) => string | undefined,
): Response {
  const encoder = new TextEncoder();
  const stop = (): void => void events.return(undefined);
  signal.addEventListener("abort", stop, { once: true });
  let closed = false;
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", stop);
    controller.close();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await events.next();
          if (closed) return;
          if (next.done) return finish(controller);
          const [event, data] = next.value;
          const id = idOf?.(event, data);
          controller.enqueue(encoder.encode(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch (error) {
          if (closed) return;
          const api = toApiError(error);
          controller.enqueue(
            encoder.encode(`event: error\ndata: ${JSON.stringify({ error: api.error, message: api.message })}\n\n`),
          );
          finish(controller);
        }
      },
      async cancel() {
        closed = true;
        signal.removeEventListener("abort", stop);
        await events.return(undefined);
      },
    },
    { highWaterMark: EVENT_STREAM_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" },
  });
}
