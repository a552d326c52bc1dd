import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { handleRest } from "@/server/rest/router";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  await servicesReady();
  const services = getServices();
  const refusal = checkWebRequest(request, services.config);
  if (refusal) return refusalResponse(refusal, new URL(request.url).pathname);
  return handleRest(request, services);
}

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
