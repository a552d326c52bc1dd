import { describe, expect, it } from "vitest";
import { routeList } from "@/lib/api/contract";
import { matchPath } from "./router";
import { handlers } from "./routes";

describe("matchPath", () => {
  it("matches literal parts and named params", () => {
    expect(matchPath("/api/sessions/:id", "/api/sessions/abc")).toEqual({ id: "abc" });
    expect(matchPath("/api/sessions/:id", "/api/sessions/abc/run")).toBeUndefined();
    expect(matchPath("/api/sessions", "/api/sessions")).toEqual({});
  });

  it("collects the rest of the path, percent-decoded", () => {
    expect(matchPath("/api/sessions/:id/files/*path", "/api/sessions/s1/files/src/a%20b.txt")).toEqual({
      id: "s1",
      path: "src/a b.txt",
    });
    expect(matchPath("/api/sessions/:id/files/*path", "/api/sessions/s1/files")).toBeUndefined();
  });
});

describe("the handlers", () => {
  it("are exactly the route table's, one each", () => {
    expect(Object.keys(handlers).sort()).toEqual(
      routeList()
        .map(([name]) => name)
        .sort(),
    );
  });
});
