import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** A real OpenID Connect provider for tests, on a loopback port; any login its form is given is an account. */
export interface TestOidcProvider {
  issuer: string;
  /** The SANDPIT_OIDC_* variables that point a Sandpit at it. */
  env: Record<string, string>;
  /** Starts answering, with `redirectUri` registered for Sandpit's client (known once Sandpit runs). */
  serve(redirectUri: string): void;
  [Symbol.asyncDispose](): Promise<void>;
}

const CLIENT = { id: "sandpit-test", secret: "a-test-secret-for-sandpit" };

/**
 * oidc-provider with its development login and consent forms (devInteractions): a login `alice`
 * signs in as subject `alice`, named "Student alice". Listens at once, so the issuer is known
 * before the Sandpit that uses it starts; answers once `serve` names Sandpit's callback.
 */
export async function startOidcProvider(): Promise<TestOidcProvider> {
  const server = createServer((_, res) => res.writeHead(503).end("not serving yet"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    env: {
      SANDPIT_OIDC_ISSUER: issuer,
      SANDPIT_OIDC_CLIENT_ID: CLIENT.id,
      SANDPIT_OIDC_CLIENT_SECRET: CLIENT.secret,
      SANDPIT_OIDC_NAME: "School",
    },
    serve(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT.id,
            client_secret: CLIENT.secret,
            redirect_uris: [redirectUri],
            grant_types: ["authorization_code"],
            response_types: ["code"],
          },
        ],
        findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, name: `Student ${id}` }) }),
        claims: { openid: ["sub"], profile: ["name"] },
        // The name goes into the ID token, as most providers put it there.
        conformIdTokenClaims: false,
        cookies: { keys: ["a-cookie-key-for-the-test-provider"] },
        features: { devInteractions: { enabled: true } },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      });
      const handle = provider.callback();
      server.removeAllListeners("request");
      server.on("request", (req, res) => void handle(req, res));
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
