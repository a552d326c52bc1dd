import { afterEach, describe, expect, it } from "vitest";
import { checkWebRequest } from "./guard";
import { allowedHosts } from "./host";
import { allowedOrigins, isSameOrigin } from "./origin";

const config = { port: 3000, web: { publicUrl: "https://sandpit.example.com", allowedHosts: ["10.0.0.5:3000"] } };

function request(method: string, headers: Record<string, string>, path = "/"): { method: string; url: string; headers: Headers } {
  return { method, url: `http://internal${path}`, headers: new Headers(headers) };
}

describe("web request checks", () => {
  const port = process.env.PORT;
  afterEach(() => {
    if (port === undefined) delete process.env.PORT;
    else process.env.PORT = port;
  });

  it("answers to the public name, the extra hosts and loopback names at the listening port", () => {
    delete process.env.PORT;
    expect(allowedHosts(config).sort()).toEqual(
      ["10.0.0.5:3000", "127.0.0.1:3000", "[::1]:3000", "localhost:3000", "sandpit.example.com"].sort(),
    );
    process.env.PORT = "4123";
    expect(allowedHosts(config)).toContain("localhost:4123");
    expect(allowedHosts(config)).not.toContain("localhost:3000");
  });

  it("refuses a foreign Host with 421 naming the allowed ones", () => {
    delete process.env.PORT;
    const refusal = checkWebRequest(request("GET", { host: "rebound.attacker.test:3000" }), config);
    expect(refusal?.status).toBe(421);
    expect(refusal?.message).toContain("misdirected request: this Sandpit answers to");
    expect(refusal?.message).toContain("sandpit.example.com");
    expect(checkWebRequest(request("GET", { host: "LOCALHOST:3000" }), config)).toBeUndefined();
    expect(checkWebRequest(request("GET", {}), config)?.status).toBe(421);
  });

  it("refuses state changes from another origin, and passes same-origin and Origin-less ones", () => {
    delete process.env.PORT;
    const host = { host: "sandpit.example.com" };
    expect(checkWebRequest(request("POST", { ...host, origin: "https://evil.test" }), config)?.status).toBe(403);
    expect(checkWebRequest(request("POST", { ...host, origin: "null" }), config)?.status).toBe(403);
    expect(checkWebRequest(request("POST", { ...host, origin: "http://sandpit.example.com" }), config)?.status).toBe(403);
    expect(checkWebRequest(request("DELETE", { ...host, "sec-fetch-site": "cross-site" }), config)?.status).toBe(403);
    expect(checkWebRequest(request("POST", { ...host, "sec-fetch-site": "same-site" }), config)?.status).toBe(403);
    expect(checkWebRequest(request("POST", { ...host, origin: "https://sandpit.example.com" }), config)).toBeUndefined();
    expect(checkWebRequest(request("POST", host), config)).toBeUndefined();
    expect(checkWebRequest(request("GET", { ...host, origin: "https://evil.test" }), config)).toBeUndefined();
    expect(allowedOrigins(config)).toContain("http://localhost:3000");
  });

  it("refuses a path with a malformed % escape with 400", () => {
    expect(checkWebRequest(request("GET", { host: "localhost:3000" }, "/s/%E0%A4%A"), config)?.status).toBe(400);
  });

  it("counts a request as our own page's only when the browser says so", () => {
    delete process.env.PORT;
    const origins = allowedOrigins(config);
    expect(isSameOrigin(new Headers({ "sec-fetch-site": "same-origin" }), origins)).toBe(true);
    expect(isSameOrigin(new Headers({ "sec-fetch-site": "cross-site" }), origins)).toBe(false);
    expect(isSameOrigin(new Headers({ origin: "https://sandpit.example.com" }), origins)).toBe(true);
    expect(isSameOrigin(new Headers({}), origins)).toBe(false);
  });
});
