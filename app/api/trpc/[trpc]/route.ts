import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { API_LIMITS } from "@/lib/limits";
import { appRouter } from "@/server/api/root";
import { createContextInner, trpcResponseHeaders } from "@/server/api/trpc";
import { SESSION_HEADER } from "@/lib/api/session-route";
import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { newOwnerCookie, ownerCookie, ownerFromCookie } from "@/server/auth/owner";
import { logger } from "@/server/logger";
import { errorResponse, isJsonType, readBody } from "@/server/rest/http";
import { jsonDepthProblem } from "@/server/rest/json-depth";
import { HttpRequestError } from "@/server/errors";
import { getServices, servicesReady } from "@/server/services";
import { browserCaller, requestAddress } from "@/server/sessions/caller";

export const dynamic = "force-dynamic";

/** The largest tRPC body: a file write carries up to fileBytes as base64, plus the call around it. */
const TRPC_BODY_BYTES = Math.ceil((API_LIMITS.fileBytes * 4) / 3) + API_LIMITS.bodyBytes;

/**
 * The request tRPC gets: a POST's body must be `application/json` and, like a GET's `input`, nest
 * only so deep (deep JSON overflows the stack in superjson and zod). Bodies are read once here and
 * handed on.
 */
async function checkedRequest(req: Request): Promise<Request> {
  if (req.method === "GET") {
    const input = new URL(req.url).searchParams.get("input");
    const tooDeep = input === null ? undefined : jsonDepthProblem(input, "the input");
    if (tooDeep) throw new HttpRequestError(400, "invalid_json", tooDeep);
    return req;
  }
  const type = req.headers.get("content-type");
  if (!isJsonType(type))
    throw new HttpRequestError(
      415,
      "unsupported_media_type",
      `send tRPC calls as JSON with Content-Type: application/json (got ${type === null ? "no Content-Type" : `"${type}"`})`,
    );
  const text = (await readBody(req, TRPC_BODY_BYTES)).toString("utf8");
  const tooDeep = jsonDepthProblem(text, "the body");
  if (tooDeep) throw new HttpRequestError(400, "invalid_json", tooDeep);
  return new Request(req.url, { method: req.method, headers: req.headers, body: text, signal: req.signal });
}

async function handler(original: Request): Promise<Response> {
  await servicesReady();
  const services = getServices();
  const refusal = checkWebRequest(original, services.config);
  if (refusal) return refusalResponse(refusal, "/api/trpc");
  let req: Request;
  try {
    req = await checkedRequest(original);
  } catch (error) {
    return errorResponse(error, { path: "/api/trpc" });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => {
      // The browser's identity: a signed owner cookie, given on the first visit.
      let owner = ownerFromCookie(req.headers.get("cookie"), services.config.dataDir);
      if (!owner) {
        const issued = newOwnerCookie(services.config.dataDir, new URL(req.url).protocol === "https:");
        owner = issued.owner;
        resHeaders.append("set-cookie", issued.header);
      }
      const secure = new URL(req.url).protocol === "https:";
      // Built once per request; the services decide what this caller may do with each session.
      return createContextInner(
        services,
        browserCaller(owner, requestAddress(req.headers)),
        (next) => resHeaders.append("set-cookie", ownerCookie(next, services.config.dataDir, secure).header),
        req.headers.get(SESSION_HEADER) ?? undefined,
      );
    },
    responseMeta: ({ errors }) => ({ headers: trpcResponseHeaders(errors) }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path }, "tRPC request failed");
    },
  });
}

export { handler as GET, handler as POST };
