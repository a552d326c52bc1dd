import { NextResponse, type NextRequest } from "next/server";
import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { newOwnerCookie, ownerFromCookie } from "@/server/auth/owner";
import { getConfig } from "@/server/config";

/**
 * Every request first passes the web checks (Host, Origin, path escapes; see server/auth/guard.ts).
 * A page then gives a browser its signed owner cookie before the page makes any API call: parallel
 * first calls would otherwise each be given a different identity.
 */
export function proxy(request: NextRequest): Response {
  const config = getConfig();
  const refusal = checkWebRequest(request, config);
  if (refusal) return refusalResponse(refusal, request.nextUrl.pathname);
  const response = NextResponse.next();
  // The API gives cookies itself, and so do the sign-in routes (a second owner cookie would race theirs);
  // a metrics scraper is no browser.
  const path = request.nextUrl.pathname;
  if (path.startsWith("/api/") || path.startsWith("/auth/") || path === "/metrics") return response;
  if (!ownerFromCookie(request.headers.get("cookie"), config.dataDir)) {
    response.headers.append("set-cookie", newOwnerCookie(config.dataDir, request.nextUrl.protocol === "https:").header);
  }
  return response;
}

export const config = {
  // Everything but build assets and the static files under public/.
  matcher: [
    "/((?!_next/static/|_next/image|monaco/|favicon\\.svg|favicon\\.ico|apple-touch-icon\\.png|icon-[a-z0-9-]+\\.png|og-image\\.png).*)",
  ],
};
