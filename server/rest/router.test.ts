import { describe, expect, it } from "vitest";
import { routeList } from "@/lib/api/contract";
import { routes } from "@/lib/api/contract";
import { answer, matchPath } from "./router";
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

describe("answers", () => {
  it("hold only the fields the route's output schema declares", async () => {
    const reply = answer("createShell", routes.createShell, { shell_id: "main", internal: "not for clients" });
    expect(reply.status).toBe(201);
    expect(await reply.json()).toEqual({ shell_id: "main" });
  });

  it("that do not match the table are refused, not sent", () => {
    expect(() => answer("createShell", routes.createShell, { shell: "main" })).toThrow(/createShell does not match/);
  });

  it("of a route without a JSON body are empty with its status; a handler's own Response passes as it is", () => {
    expect(answer("resizeTerminal", routes.resizeTerminal, undefined).status).toBe(204);
    const own = new Response("bytes", { headers: { "content-type": "application/octet-stream" } });
    expect(answer("downloadArchive", routes.downloadArchive, own)).toBe(own);
  });
});
