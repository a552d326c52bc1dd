/**
 * Which session an HTTP request is about, read from the request alone (before any service sees
 * it), so that a node can send it on to the node that runs that session. Nothing here trusts the
 * answer: the node the request reaches decides access as for any other request.
 */

/** The header Sandpit's own clients add to calls that name one session (tRPC carries it in the body). */
export const SESSION_HEADER = "x-sandpit-session";
/** Set on a request one node sends on to another: it is answered there, never sent on again. */
export const RELAYED_HEADER = "x-sandpit-relayed-by";

const SESSION_PATH = /^\/api\/sessions\/([^/?#]+)/;
const TRPC_PATH = /^\/api\/trpc\/([^/?#]+)/;
/** Longer than any session id; a value past it names no session. */
const MAX_ID = 200;

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sessionIdOr(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID ? value : undefined;
}

/**
 * The session a tRPC call's input names in the URL (queries and subscriptions, which EventSource
 * sends without custom headers): `input` is one operation's `{ json: { id } }`, or a batch's
 * `{ "0": { json: { id } }, … }` whose operations all name the same session. Every session
 * procedure takes its session as `id` (lib/api/schemas `byId`).
 */
function sessionOfTrpcInput(search: URLSearchParams): string | undefined {
  const raw = search.get("input");
  if (!raw || raw.length > 10_000) return undefined;
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const idOf = (operation: unknown): string | undefined => {
    const json = (operation as { json?: unknown } | null)?.json;
    return sessionIdOr((json as { id?: unknown } | null | undefined)?.id);
  };
  if (search.get("batch") !== "1") return idOf(input);
  if (typeof input !== "object" || input === null) return undefined;
  const ids = new Set(Object.values(input).map(idOf));
  const [only] = ids;
  return ids.size === 1 ? only : undefined;
}

export interface RequestRoute {
  /** The session the request is about, when it names one. */
  session?: string;
  /** The request was sent on by another node already. */
  relayed: boolean;
}

/** What a request names: `/api/sessions/{id}/…`, a tRPC call's session, or the header Sandpit's clients send. */
export function routeOf(method: string | undefined, url: string | undefined, headers: Record<string, HeaderValue>): RequestRoute {
  const relayed = first(headers[RELAYED_HEADER]) !== undefined;
  let parsed: URL;
  try {
    parsed = new URL(url ?? "/", "http://node.invalid");
  } catch {
    // Not a request target at all: no session, and the app answers it.
    return { relayed };
  }
  const path = parsed.pathname;
  const bySession = SESSION_PATH.exec(path);
  if (bySession?.[1]) {
    let id: string | undefined;
    try {
      id = sessionIdOr(decodeURIComponent(bySession[1]));
    } catch {
      id = undefined;
    }
    return { session: id, relayed };
  }
  const header = sessionIdOr(first(headers[SESSION_HEADER]));
  if (header) return { session: header, relayed };
  if (TRPC_PATH.test(path) && (method === "GET" || method === "HEAD"))
    return { session: sessionOfTrpcInput(parsed.searchParams), relayed };
  return { relayed };
}
