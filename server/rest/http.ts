import "server-only";
import { HttpRequestError, toApiError } from "@/server/api/errors";
import { logger } from "@/server/logger";

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

/** A JSON body (an empty body reads as `{}`), size-limited; bad JSON is a 400 that says where. */
export async function readJson(request: Request, limit: number): Promise<unknown> {
  const body = await readBody(request, limit);
  if (body.length === 0) return {};
  const type = request.headers.get("content-type") ?? "";
  if (type && !type.includes("json"))
    throw new HttpRequestError(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)");
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
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

/** Server-sent events from an async generator of `[event, data]`; closing the request stops it. */
export function eventStream(
  events: AsyncGenerator<[string, unknown]>,
  signal: AbortSignal,
  idOf?: (event: string, data: unknown) => string | undefined,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const stop = (): void => void events.return(undefined);
      signal.addEventListener("abort", stop, { once: true });
      try {
        for await (const [event, data] of events) {
          const id = idOf?.(event, data);
          controller.enqueue(encoder.encode(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        }
      } catch (error) {
        const api = toApiError(error);
        controller.enqueue(
          encoder.encode(`event: error\ndata: ${JSON.stringify({ error: api.error, message: api.message })}\n\n`),
        );
      } finally {
        signal.removeEventListener("abort", stop);
        controller.close();
      }
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" },
  });
}
