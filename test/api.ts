import { eventually } from "./wait";

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export interface RestClient {
  call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;
  /** Polls a session until `done` says yes about it (or the deadline passes), and returns it. */
  until: (
    id: string,
    done: (session: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
}

/** JSON calls to a running Sandpit's REST API. */
export function restClient(url: string): RestClient {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async function until(id: string, done: (session: Record<string, unknown>) => boolean, timeoutMs = 120_000) {
    return eventually(
      `session ${id}`,
      async () => {
        const { body } = await call("GET", `/api/sessions/${id}`);
        return done(body) ? body : undefined;
      },
      timeoutMs,
    );
  }

  return { call, until };
}
