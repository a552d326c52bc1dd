import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { allowedHosts } from "@/server/auth/host";
import { allowedOrigins } from "@/server/auth/origin";
import { createMcpServer } from "@/server/mcp/server";
import { API_LIMITS } from "@/lib/limits";
import { HttpRequestError } from "@/server/errors";
import { errorResponse, isJsonType, json, readJson } from "@/server/rest/http";
import { authorize } from "@/server/rest/router";
import { getServices, servicesReady } from "@/server/services";
import { callerFromOwner, requestAddress } from "@/server/sessions/caller";

export const dynamic = "force-dynamic";

/** The Model Context Protocol endpoint (Streamable HTTP, stateless: every request stands alone). */
export async function POST(request: Request): Promise<Response> {
  try {
    await servicesReady();
    const services = getServices();
    const refusal = checkWebRequest(request, services.config);
    if (refusal) return refusalResponse(refusal, "/api/mcp");
    const owner = await authorize(request, services, "/api/mcp");
    // Read here with the REST API's rules (exact MIME, size, depth), so the SDK gets a checked body.
    if (!isJsonType(request.headers.get("content-type")))
      throw new HttpRequestError(415, "unsupported_media_type", "send JSON-RPC requests with Content-Type: application/json");
    const parsedBody = await readJson(request, API_LIMITS.bodyBytes);
    // The key or browser of this request (or nobody): the services decide what it may reach.
    const server = createMcpServer(services, callerFromOwner(owner, requestAddress(request.headers)));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // The SDK's own check of the same names, should a request ever skip the one above.
      enableDnsRebindingProtection: true,
      allowedHosts: allowedHosts(services.config),
      allowedOrigins: allowedOrigins(services.config),
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody });
    void server.close();
    return response;
  } catch (error) {
    return errorResponse(error, { path: "/api/mcp" });
  }
}

function notAllowed(): Response {
  return json(
    405,
    { error: "method_not_allowed", message: "this MCP endpoint is stateless: send JSON-RPC requests with POST" },
    { allow: "POST" },
  );
}

export { notAllowed as GET, notAllowed as DELETE };
