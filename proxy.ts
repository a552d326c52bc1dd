import { NextResponse, type NextRequest } from "next/server";
import { newOwnerCookie, ownerFromCookie } from "@/server/auth/owner";
import { getConfig } from "@/server/config";

/**
 * Gives a browser its signed owner cookie with the first page it loads, before the page makes
 * any API call: parallel first calls would otherwise each be given a different identity.
 */
export function proxy(request: NextRequest): NextResponse {
  const response = NextResponse.next();
  const { dataDir } = getConfig();
  if (!ownerFromCookie(request.headers.get("cookie"), dataDir)) {
    response.headers.append("set-cookie", newOwnerCookie(dataDir, request.nextUrl.protocol === "https:").header);
  }
  return response;
}

export const config = {
  // Pages only: API calls and static files carry the cookie the page set.
  matcher: ["/((?!api/|_next/|monaco/|icon\\.svg|favicon\\.ico).*)"],
};
