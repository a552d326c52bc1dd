import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { metricsRefusal } from "@/server/metrics/access";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

/** Prometheus metrics of this node, for the operator's scraper (see server/metrics/access.ts). */
export async function GET(request: Request): Promise<Response> {
  await servicesReady();
  const services = getServices();
  const refusal = checkWebRequest(request, services.config);
  if (refusal) return refusalResponse(refusal, "/metrics");
  const headers = { "cache-control": "no-store" };
  const refused = metricsRefusal(request, services.config);
  if (refused)
    return new Response(`${refused}\n`, {
      status: 401,
      headers: { ...headers, "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="sandpit-metrics"' },
    });
  const { body, contentType } = await services.metrics.scrape();
  return new Response(body, { headers: { ...headers, "content-type": contentType } });
}
