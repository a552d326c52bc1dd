import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { newOwnerCookie, ownerFromCookie } from "@/server/auth/owner";
import { logger } from "@/server/logger";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

async function handler(req: Request): Promise<Response> {
  await servicesReady();
  const services = getServices();
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
      return createContextInner(services, owner);
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, path }, "tRPC request failed");
    },
  });
}

export { handler as GET, handler as POST };
