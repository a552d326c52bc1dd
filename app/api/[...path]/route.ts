import { handleRest } from "@/server/rest/router";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  await servicesReady();
  return handleRest(request, getServices());
}

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
