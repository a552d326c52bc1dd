import "server-only";
import * as client from "openid-client";
import type { Logger } from "pino";
import type { OidcConfig } from "@/server/config";

/** What one sign-in must remember between leaving for the provider and coming back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The account an ID token names, as openid-client verified it. */
export interface VerifiedAccount {
  issuer: string;
  subject: string;
  name: string;
}

/** The provider refused the sign-in, or its answer did not verify. */
export class SignInFailedError extends Error {
  override name = "SignInFailedError";
}

const NAME_CLAIMS = ["name", "preferred_username", "email"] as const;

/**
 * One OpenID Connect provider, through openid-client: discovery from the issuer (kept once it
 * succeeds), the authorization code flow with PKCE, state and nonce, and the ID token's checks.
 */
export class OidcProvider {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(
    private readonly config: OidcConfig,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.config.providerName;
  }

  private discover(): Promise<client.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.config.issuer);
      this.log.info({ issuer: issuer.href }, "discovering the OpenID Connect provider");
      try {
        const found = await client.discovery(
          issuer,
          this.config.clientId,
          undefined,
          client.ClientSecretBasic(this.config.clientSecret),
          // The configuration admits http only for a provider on a loopback address.
          issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : undefined,
        );
        this.log.info({ issuer: issuer.href }, "discovered the OpenID Connect provider");
        return found;
      } catch (error) {
        this.configuration = undefined;
        this.log.warn({ err: error, issuer: issuer.href }, "OpenID Connect discovery failed");
        throw new Error(`the sign-in provider ${issuer.href} could not be reached: ${(error as Error).message}`, {
          cause: error,
        });
      }
    })();
    return this.configuration;
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async start(redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const configuration = await this.discover();
    const pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: "openid profile email",
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: "S256",
    });
    return { url, pending };
  }

  /** Exchanges the code the provider sent back for a verified ID token and the account it names. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<VerifiedAccount> {
    const configuration = await this.discover();
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      this.log.warn({ err: error }, "an OpenID Connect sign-in did not complete");
      throw new SignInFailedError(`the sign-in could not be completed: ${(error as Error).message}`, { cause: error });
    }
    if (!claims) throw new SignInFailedError("the provider sent no ID token");
    const name = NAME_CLAIMS.map((claim) => claims[claim]).find((value) => typeof value === "string" && value.trim());
    return {
      issuer: claims.iss,
      subject: claims.sub,
      name: (typeof name === "string" ? name.trim() : claims.sub).slice(0, 100),
    };
  }
}
