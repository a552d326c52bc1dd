import { describe, expect, it } from "vitest";
import { RELAYED_HEADER, routeOf, SESSION_HEADER } from "./session-route";

const trpcGet = (procedure: string, input: unknown, batch = false): string =>
  `/api/trpc/${procedure}?${batch ? "batch=1&" : ""}input=${encodeURIComponent(JSON.stringify(input))}`;

describe("routeOf", () => {
  it("reads the session from a REST path, percent-decoded", () => {
    expect(routeOf("POST", "/api/sessions/s%201/run", {})).toEqual({ session: "s 1", relayed: false });
    expect(routeOf("GET", "/api/sessions/abc", {})).toEqual({ session: "abc", relayed: false });
    expect(routeOf("GET", "/api/sessions/abc/terminals/t1/output?x=1", {}).session).toBe("abc");
  });

  it("names no session for creation, lists and other routes", () => {
    expect(routeOf("POST", "/api/sessions", {}).session).toBeUndefined();
    expect(routeOf("GET", "/api/sessions?owner=me", {}).session).toBeUndefined();
    expect(routeOf("POST", "/api/execute", {}).session).toBeUndefined();
    expect(routeOf("GET", "/s/abc", {}).session).toBeUndefined();
  });

  it("takes the header Sandpit's clients send", () => {
    expect(routeOf("POST", "/api/trpc/files.write?batch=1", { [SESSION_HEADER]: "abc" }).session).toBe("abc");
    expect(routeOf("POST", "/api/trpc/files.write?batch=1", { [SESSION_HEADER]: "x".repeat(201) }).session).toBeUndefined();
  });

  it("reads a tRPC query's or subscription's input from the URL", () => {
    expect(routeOf("GET", trpcGet("runs.follow", { json: { id: "abc", stream_id: "r1" } }), {}).session).toBe("abc");
    const batch = { 0: { json: { id: "abc" } }, 1: { json: { id: "abc", path: "." } } };
    expect(routeOf("GET", trpcGet("sessions.get,files.list", batch, true), {}).session).toBe("abc");
  });

  it("names no session for a tRPC batch about several, a malformed input or a POST without the header", () => {
    const mixed = { 0: { json: { id: "abc" } }, 1: { json: { id: "def" } } };
    expect(routeOf("GET", trpcGet("sessions.get,sessions.get", mixed, true), {}).session).toBeUndefined();
    expect(routeOf("GET", "/api/trpc/sessions.get?input=%7Bnot-json", {}).session).toBeUndefined();
    expect(routeOf("GET", trpcGet("sessions.get", { json: { id: 5 } }), {}).session).toBeUndefined();
    expect(routeOf("POST", trpcGet("sessions.delete", { json: { id: "abc" } }), {}).session).toBeUndefined();
  });

  it("tells a request another node sent on already", () => {
    expect(routeOf("GET", "/api/sessions/abc", { [RELAYED_HEADER]: "node-a" })).toEqual({ session: "abc", relayed: true });
    expect(routeOf("GET", "/api/sessions/%E0%A4%A", {}).session).toBeUndefined();
  });
});
