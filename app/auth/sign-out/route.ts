import { signOut } from "@/server/auth/oidc/routes";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  await servicesReady();
  return signOut(request, getServices());
}

export { handler as GET, handler as POST };
