import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createContextInner } from "@/server/api/trpc";
import { resumeLinks } from "@/server/db/schema";
import type { Services } from "@/server/services";
import { browserCaller, keyCaller, type Identity } from "@/server/sessions/caller";
import { testServices } from "@/test/services";
import { ownerFromCookie } from "@/server/auth/owner";

let services: Services & AsyncDisposable;
const browser = (name: string): Identity => browserCaller(`browser:${name.padEnd(16, "x")}`);
const owner = (identity: Identity): string => (identity.kind === "anonymous" ? "" : identity.owner);

beforeAll(async () => {
  services = await testServices();
}, 300_000);
afterAll(async () => services[Symbol.asyncDispose]());

/** A tRPC caller as the web route builds it: `cookies` collects the owner cookies it would set. */
function webCaller(caller: Identity, cookies: string[]): ReturnType<typeof createCaller> {
  return createCaller(
    createContextInner(services, caller, (owner) => {
      cookies.push(owner);
    }),
  );
}

describe("resume links", () => {
  it("make another browser the same owner, bring its sessions only when asked, and stop working when revoked", async () => {
    const home = browser("resume-home");
    const school = browser("resume-school");
    const other = browser("resume-other");
    await services.sessions.create(school, { language: "python", session_id: "rs-school" });
    await services.sessions.create(home, { language: "python", session_id: "rs-home" });
    await services.sessions.create(other, { language: "python", session_id: "rs-other" });

    const link = await services.resume.create(school);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await services.resume.current(school))?.token).toBe(link.token);
    const [row] = await services.database.db.select().from(resumeLinks).where(eq(resumeLinks.id, link.id));
    expect(JSON.stringify(row)).not.toContain(link.token ?? "-");

    // The home browser takes the link without its own sessions: it becomes the school owner.
    const cookies: string[] = [];
    expect(await webCaller(home, cookies).resume.use({ token: link.token ?? "", bring_sessions: false })).toEqual({ moved: 0 });
    expect(cookies).toEqual([owner(school)]);
    expect((await services.sessions.get(school, "rs-home").catch((error: Error) => error.message)) as string).toMatch(
      "does not exist",
    );

    // Another browser brings its sessions along.
    const moved: string[] = [];
    expect(await webCaller(other, moved).resume.use({ token: link.token ?? "", bring_sessions: true })).toEqual({ moved: 1 });
    expect((await services.sessions.get(school, "rs-other")).id).toBe("rs-other");
    expect((await services.sessions.list(school, { limit: 10 })).map((s) => s.id).sort()).toEqual(["rs-other", "rs-school"]);

    // A new link revokes the old one; a revoked link is refused with a clear message.
    const next = await services.resume.create(school);
    expect(next.token).not.toBe(link.token);
    await expect(webCaller(home, []).resume.use({ token: link.token ?? "", bring_sessions: false })).rejects.toThrow(
      "does not exist or was revoked",
    );
    expect(await services.resume.revoke(school)).toBe(true);
    expect(await services.resume.current(school)).toBeNull();
    await expect(webCaller(home, []).resume.use({ token: next.token ?? "", bring_sessions: false })).rejects.toThrow(
      "does not exist or was revoked",
    );
  });

  it("belong to browsers: programs and calls outside the web route are refused", async () => {
    await expect(services.resume.create(keyCaller("k-1"))).rejects.toThrow("programs use their API key");
    const link = await services.resume.create(browser("resume-only"));
    await expect(
      createCaller(createContextInner(services, browser("resume-x"))).resume.use({
        token: link.token ?? "",
        bring_sessions: false,
      }),
    ).rejects.toThrow("used from a browser");
  });

  it("the owner cookie for a resumed owner is accepted as that owner", async () => {
    const { ownerCookie } = await import("@/server/auth/owner");
    const { header } = ownerCookie(owner(browser("resume-school")), services.config.dataDir, false);
    expect(ownerFromCookie(header.split(";")[0] ?? "", services.config.dataDir)).toBe(owner(browser("resume-school")));
    expect(() => ownerCookie("key:k-1", services.config.dataDir, false)).toThrow("not a browser or account owner id");
  });
});
