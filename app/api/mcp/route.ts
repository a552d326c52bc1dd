import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { createMcpServer } from "@/server/mcp/server";
import { errorResponse, json } from "@/server/rest/http";
import { authorize } from "@/server/rest/router";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

/** The Model Context Protocol endpoint (Streamable HTTP, stateless: every request stands alone). */
export async function POST(request: Request): Promise<Response> {
  try {
    await servicesReady();
    const services = getServices();
    const owner = await authorize(request, services, "/api/mcp");
    const server = createMcpServer(services, owner);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    const response = await transport.handleRequest(request);
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
