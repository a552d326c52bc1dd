import { describe, expect, it } from "vitest";
import { hostOnlyCookie, safeReturnPath, takeCookie } from "./gateway";

describe("preview gateway helpers", () => {
  it("takes Sandpit's cookie out of what the previewed app is sent", () => {
    expect(takeCookie("a=1; __Host-sandpit_preview=T; b=2", "__Host-sandpit_preview")).toEqual({ value: "T", rest: "a=1; b=2" });
    expect(takeCookie("__Host-sandpit_preview=T", "__Host-sandpit_preview")).toEqual({ value: "T", rest: undefined });
    expect(takeCookie("a=1", "__Host-sandpit_preview")).toEqual({ value: undefined, rest: "a=1" });
    expect(takeCookie(undefined, "x")).toEqual({});
  });

  it("keeps the app's cookies to its own host", () => {
    expect(hostOnlyCookie("sid=1; Domain=preview.localhost; Path=/; HttpOnly")).toBe("sid=1; Path=/; HttpOnly");
    expect(hostOnlyCookie("sid=1;domain=.preview.localhost")).toBe("sid=1");
    expect(hostOnlyCookie("sid=domain=x; Path=/")).toBe("sid=domain=x; Path=/");
  });

  it("sends the browser only to a path on the same preview", () => {
    expect(safeReturnPath("/app?x=1")).toBe("/app?x=1");
    for (const to of [null, "", "//evil.com", "/\\evil.com", "https://evil.com", "evil", "/a\nb"])
      expect(safeReturnPath(to), String(to)).toBe("/");
  });
});
