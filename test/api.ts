export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** JSON calls to a running Sandpit's REST API. */
export function restClient(url: string) {
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

  /** Polls a session until `done` says yes about it (or the deadline passes). */
  async function until(id: string, done: (session: Record<string, unknown>) => boolean, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await call("GET", `/api/sessions/${id}`);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`session ${id} never got there: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return { call, until };
}
