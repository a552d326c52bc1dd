import { startSignIn } from "@/server/auth/oidc/routes";
import { getServices, servicesReady } from "@/server/services";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  await servicesReady();
  return startSignIn(request, getServices());
}
