import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOwnerCookie, ownerFromCookie } from "@/server/auth/owner";
import type { Services } from "@/server/services";
import { browserCaller, shareCaller, type Identity } from "@/server/sessions/caller";
import { startOidcProvider, type TestOidcProvider } from "@/test/oidc-provider";
import { testServices } from "@/test/services";
import { finishSignIn, signOut, startSignIn } from "./routes";

// A real OpenID Connect provider (oidc-provider, with its development login form) on a loopback port,
// and Sandpit's sign-in routes called as the web server calls them. Each "browser" is two cookie
// jars: Sandpit's and the provider's.

const SANDPIT = "http://127.0.0.1:3000";

let idp: TestOidcProvider;
let services: Services & AsyncDisposable;

class Browser {
  readonly sandpit = new Map<string, string>();
  readonly provider = new Map<string, string>();

  constructor() {
    const first = newOwnerCookie(services.config.dataDir, false).header.split(";")[0] ?? "";
    this.keep(this.sandpit, [first]);
  }

  get owner(): string {
    const owner = ownerFromCookie(this.cookie(this.sandpit), services.config.dataDir);
    if (!owner) throw new Error("this browser has no owner cookie");
    return owner;
  }

  get caller(): Identity {
    return browserCaller(this.owner);
  }

  cookie(jar: Map<string, string>): string {
    return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  keep(jar: Map<string, string>, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", value = ""] = pair.split(/=(.*)/s);
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a)))
        jar.delete(name.trim());
      else jar.set(name.trim(), value);
    }
  }

  /** A request to Sandpit from this browser (a top-level navigation unless `headers` says more). */
  request(target: string, init: RequestInit = {}): Request {
    return new Request(new URL(target, SANDPIT), {
      ...init,
      headers: { host: "127.0.0.1:3000", cookie: this.cookie(this.sandpit), ...(init.headers as Record<string, string>) },
    });
  }

  take(response: Response): Response {
    this.keep(this.sandpit, response.headers.getSetCookie());
    return response;
  }

  /**
   * Follows the provider's redirects and answers its login and consent forms as `login`, until it
   * sends the browser back to Sandpit; returns that callback URL.
   */
  async atProvider(start: string, login: string): Promise<string> {
    let url = start;
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const response = await fetch(url, {
        method: body ? "POST" : "GET",
        body,
        redirect: "manual",
        headers: { cookie: this.cookie(this.provider) },
      });
      this.keep(this.provider, response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (location) {
        const next = new URL(location, url).href;
        if (next.startsWith(`${SANDPIT}/`)) return next;
        url = next;
        body = undefined;
        continue;
      }
      const html = await response.text();
      expect(response.status, html).toBe(200);
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /<form[^>]+action="([^"]+)"/.exec(html)?.[1];
      if (!prompt || !action) throw new Error(`the provider showed a page with no form: ${html.slice(0, 300)}`);
      url = new URL(action, url).href;
      body = new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt });
    }
    throw new Error("the provider never sent the browser back");
  }

  /** The whole sign-in: Sandpit → provider → Sandpit's callback. Returns the callback's answer. */
  async signIn(login: string, returnTo = "/"): Promise<Response> {
    const started = this.take(
      await startSignIn(this.request(`/auth/sign-in?return_to=${encodeURIComponent(returnTo)}`), services),
    );
    expect(started.status).toBe(303);
    const callback = await this.atProvider(started.headers.get("location") ?? "", login);
    return this.take(await finishSignIn(this.request(callback), services));
  }
}

async function sessionIds(identity: Identity): Promise<string[]> {
  return (await services.sessions.list(identity, { limit: 50 })).map((s) => s.id).sort();
}

beforeAll(async () => {
  idp = await startOidcProvider();
  idp.serve(`${SANDPIT}/auth/callback`);
  services = await testServices(idp.env);
}, 300_000);

afterAll(async () => {
  await services[Symbol.asyncDispose]();
  await idp[Symbol.asyncDispose]();
});

describe("sign-in through OpenID Connect", () => {
  it("carries the browser's sessions and class copies to the account, seen from every browser signed into it", async () => {
    const teacher = new Browser();
    await services.sessions.create(teacher.caller, { language: "python", session_id: "oidc-template" });
    const classLink = await services.shares.create(teacher.caller, "oidc-template", "class");

    const laptop = new Browser();
    await services.sessions.create(laptop.caller, { language: "python", session_id: "oidc-before" });
    const copy = await services.sessions.joinClass(shareCaller(classLink.token, laptop.caller), { name: "Alice" });
    const before = laptop.owner;
    expect(await services.accounts.view(laptop.caller)).toEqual({ provider: "School", account: null });

    const answer = await laptop.signIn("alice", "/s/oidc-before?tab=files");
    expect(answer.status, await answer.clone().text()).toBe(303);
    expect(answer.headers.get("location")).toBe("/s/oidc-before?tab=files");
    const ownerCookie = answer.headers.getSetCookie().find((c) => c.startsWith("sandpit_owner="));
    expect(ownerCookie).toMatch(/; HttpOnly; SameSite=Lax$/);
    expect(laptop.owner).toMatch(/^oidc:[A-Za-z0-9_-]{43}$/);
    expect(await services.accounts.view(laptop.caller)).toEqual({ provider: "School", account: { name: "Student alice" } });
    expect((await sessionIds(laptop.caller)).sort()).toEqual(["oidc-before", copy.id].sort());
    expect(await sessionIds(browserCaller(before))).toEqual([]);
    // The teacher still sees the copy, now owned by the account.
    expect((await services.sessions.classCopies(teacher.caller, "oidc-template")).map((c) => c.id)).toEqual([copy.id]);

    // A second browser (fresh cookies at Sandpit and at the provider) signs in as the same person.
    const phone = new Browser();
    await services.sessions.create(phone.caller, { language: "python", session_id: "oidc-phone" });
    expect((await phone.signIn("alice")).status).toBe(303);
    expect(phone.owner).toBe(laptop.owner);
    expect(await sessionIds(phone.caller)).toEqual(["oidc-before", "oidc-phone", copy.id].sort());
    expect(await services.sessions.classCopyOf(phone.caller, "oidc-template")).toBe(copy.id);

    // Someone else signs in: their account has none of Alice's sessions.
    const other = new Browser();
    expect((await other.signIn("bob")).status).toBe(303);
    expect(other.owner).toMatch(/^oidc:/);
    expect(other.owner).not.toBe(laptop.owner);
    expect(await sessionIds(other.caller)).toEqual([]);
    await expect(services.sessions.get(other.caller, "oidc-before")).rejects.toThrow("does not exist");

    // Signing out gives the browser a new identity of its own; the sessions stay with the account.
    const out = phone.take(signOut(phone.request("/auth/sign-out", { method: "POST", headers: { origin: SANDPIT } }), services));
    expect(out.status).toBe(303);
    expect(phone.owner).toMatch(/^browser:/);
    expect(await sessionIds(phone.caller)).toEqual([]);
    expect(await sessionIds(laptop.caller)).toEqual(["oidc-before", "oidc-phone", copy.id].sort());
  });

  it("refuses an answer without the state of a sign-in this browser started", async () => {
    const victim = new Browser();
    const attacker = new Browser();
    const started = attacker.take(await startSignIn(attacker.request("/auth/sign-in"), services));
    const callback = await attacker.atProvider(started.headers.get("location") ?? "", "mallory");
    const owner = victim.owner;

    // Login CSRF: the attacker's callback opened in the victim's browser, which started no sign-in.
    const planted = victim.take(await finishSignIn(victim.request(callback), services));
    expect(planted.status).toBe(400);
    expect(await planted.text()).toContain("this sign-in was not started in this browser");

    // The victim's own sign-in is under way, but the state is the attacker's, forged or missing.
    victim.take(await startSignIn(victim.request("/auth/sign-in"), services));
    const forged = new URL(callback);
    forged.searchParams.set("state", "forged-state");
    const wrong = victim.take(await finishSignIn(victim.request(forged.href), services));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("does not belong to the sign-in this browser started");
    victim.take(await startSignIn(victim.request("/auth/sign-in"), services));
    const stateless = new URL(callback);
    stateless.searchParams.delete("state");
    const missing = victim.take(await finishSignIn(victim.request(stateless.href), services));
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("has no state");

    expect(victim.owner).toBe(owner);
    // The attacker's own browser completes its sign-in: the refusal was about the victim's browser.
    expect((await finishSignIn(attacker.request(callback), services)).status).toBe(303);
  });

  it.each(["//evil.example/x", "https://evil.example/x", "/\\evil.example"])(
    "never sends the browser on to %s",
    async (target) => {
      const browser = new Browser();
      const answer = await browser.signIn("carol", target);
      expect(answer.status).toBe(303);
      expect(answer.headers.get("location")).toBe("/");
    },
  );

  it("signs out only on a POST from Sandpit's own pages", async () => {
    const browser = new Browser();
    expect((await browser.signIn("dave")).status).toBe(303);
    const owner = browser.owner;
    const foreign = browser.take(
      signOut(browser.request("/auth/sign-out", { method: "POST", headers: { origin: "https://evil.example" } }), services),
    );
    expect(foreign.status).toBe(403);
    expect(browser.take(signOut(browser.request("/auth/sign-out"), services)).status).toBe(405);
    expect(browser.owner).toBe(owner);
  });

  it("sends the provider back to the host the browser asked for, whatever name the request's URL carries", async () => {
    const request = new Request("http://localhost:3000/auth/sign-in", { headers: { host: "127.0.0.1:3000" } });
    const started = await startSignIn(request, services);
    expect(started.status).toBe(303);
    const location = new URL(started.headers.get("location") ?? "");
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get("redirect_uri")).toBe(`${SANDPIT}/auth/callback`);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("nonce")).toBeTruthy();
  });

  it("answers 404 with what to set where no provider is configured", async () => {
    const unconfigured = {
      config: services.config,
      accounts: { provider: undefined, signIn: () => Promise.reject(new Error("not reached")) },
    };
    const answer = await startSignIn(new Browser().request("/auth/sign-in"), unconfigured);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain("set SANDPIT_OIDC_ISSUER");
  });
});
