import "server-only";
import type { Config } from "@/server/config";
import { checkWebRequest, refusalResponse } from "@/server/auth/guard";
import { newOwnerCookie, ownerCookie, ownerFromCookie } from "@/server/auth/owner";
import { clearFlowCookie, flowCookie, readFlowCookie, safeReturnPath } from "./flow-cookie";
import { SignInFailedError, type OidcProvider, type VerifiedAccount } from "./provider";

/** What the sign-in routes need of the services. */
export interface SignInServices {
  config: Pick<Config, "dataDir" | "port" | "web">;
  /** The accounts service (server/sessions/accounts.ts): it records a sign-in and moves the browser's sessions. */
  accounts: {
    readonly provider: OidcProvider | undefined;
    signIn(browserOwner: string | undefined, account: VerifiedAccount): Promise<{ owner: string }>;
  };
}

export const CALLBACK_PATH = "/auth/callback";

/**
 * Sandpit's own origin as the provider must send browsers back to it: the public URL's, else the
 * one the browser asked for (its Host, which checkWebRequest allowed; Next.js may put another name
 * in the request's URL).
 */
function origin(request: Request, config: SignInServices["config"]): URL {
  if (config.web.publicUrl) return new URL(config.web.publicUrl);
  const url = new URL(request.url);
  return new URL(`${url.protocol}//${request.headers.get("host") ?? url.host}`);
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function redirect(location: string, cookies: string[]): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

const NOT_CONFIGURED =
  "sign-in is not set up on this Sandpit: set SANDPIT_OIDC_ISSUER, SANDPIT_OIDC_CLIENT_ID and SANDPIT_OIDC_CLIENT_SECRET";

/** GET /auth/sign-in?return_to=/path: off to the provider, remembering state, nonce and PKCE verifier. */
export async function startSignIn(request: Request, services: SignInServices): Promise<Response> {
  const refusal = checkWebRequest(request, services.config);
  if (refusal) return refusalResponse(refusal, "/auth/sign-in");
  const provider = services.accounts.provider;
  if (!provider) return text(404, NOT_CONFIGURED);
  const base = origin(request, services.config);
  let started: Awaited<ReturnType<typeof provider.start>>;
  try {
    started = await provider.start(new URL(CALLBACK_PATH, base).href);
  } catch (error) {
    return text(502, `${(error as Error).message}; try again later`);
  }
  const returnTo = safeReturnPath(new URL(request.url).searchParams.get("return_to"));
  const secure = base.protocol === "https:";
  return redirect(started.url.href, [flowCookie(services.config.dataDir, { ...started.pending, returnTo }, secure)]);
}

/**
 * GET /auth/callback: the provider's answer. It must carry the state of the sign-in this browser
 * started (login CSRF); openid-client then exchanges the code with the PKCE verifier and verifies
 * the ID token (signature, issuer, audience, expiry, nonce). The browser becomes the account.
 */
export async function finishSignIn(request: Request, services: SignInServices): Promise<Response> {
  const refusal = checkWebRequest(request, services.config);
  if (refusal) return refusalResponse(refusal, CALLBACK_PATH);
  const provider = services.accounts.provider;
  if (!provider) return text(404, NOT_CONFIGURED);
  const base = origin(request, services.config);
  const secure = base.protocol === "https:";
  const clear = { "set-cookie": clearFlowCookie(secure) };
  const flow = readFlowCookie(request.headers.get("cookie"), services.config.dataDir);
  if (!flow)
    return text(
      400,
      "this sign-in was not started in this browser, or took longer than 10 minutes; start again from Sandpit's Sign in button",
      clear,
    );
  const params = new URL(request.url).searchParams;
  const state = params.get("state");
  if (!state) return text(400, "the provider's answer has no state; start again from Sandpit's Sign in button", clear);
  if (state !== flow.state)
    return text(
      400,
      "the provider's answer does not belong to the sign-in this browser started (its state differs); start again",
      clear,
    );
  const error = params.get("error");
  if (error) {
    const description = params.get("error_description");
    return text(400, `the provider refused the sign-in (${error}${description ? `: ${description}` : ""})`, clear);
  }
  // The URL the provider was told to send the browser to, with what it sent: independent of how a
  // proxy in front rewrote the request's own URL.
  const callback = new URL(CALLBACK_PATH, base);
  callback.search = new URL(request.url).search;
  let account: Awaited<ReturnType<typeof provider.finish>>;
  try {
    account = await provider.finish(callback, flow);
  } catch (failure) {
    if (failure instanceof SignInFailedError) return text(400, `${failure.message}; start again`, clear);
    return text(502, `${(failure as Error).message}; try again later`, clear);
  }
  const current = ownerFromCookie(request.headers.get("cookie"), services.config.dataDir);
  const { owner } = await services.accounts.signIn(current, account);
  return redirect(flow.returnTo, [clearFlowCookie(secure), ownerCookie(owner, services.config.dataDir, secure).header]);
}

/**
 * POST /auth/sign-out: the browser gets a new identity of its own, with no sessions; the account's
 * sessions stay with the account. A POST from a foreign origin is refused (see guard.ts).
 */
export function signOut(request: Request, services: Pick<SignInServices, "config">): Response {
  const refusal = checkWebRequest(request, services.config);
  if (refusal) return refusalResponse(refusal, "/auth/sign-out");
  if (request.method !== "POST") return text(405, "sign out with a POST (the Sign out button)", { allow: "POST" });
  const secure = origin(request, services.config).protocol === "https:";
  return redirect("/", [newOwnerCookie(services.config.dataDir, secure).header]);
}
