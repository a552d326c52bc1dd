import { afterEach, describe, expect, it } from "vitest";
import { allowedHosts, isAllowedHost, listeningPort, misdirectedMessage } from "./host";

const config = (web: { publicUrl?: string; allowedHosts?: string[] } = {}, port = 3000) => ({
  port,
  web: { publicUrl: web.publicUrl, allowedHosts: web.allowedHosts ?? [] },
});

describe("allowedHosts", () => {
  const saved = process.env.PORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  });

  it("answers to the loopback names at the listening port only, by default", () => {
    delete process.env.PORT;
    expect(allowedHosts(config()).sort()).toEqual(["127.0.0.1:3000", "[::1]:3000", "localhost:3000"]);
  });

  it("adds the public URL's host (lower case) and the extra hosts", () => {
    delete process.env.PORT;
    const hosts = allowedHosts(config({ publicUrl: "https://IDE.Example.org", allowedHosts: ["box.lan:3000"] }));
    expect(hosts).toEqual(expect.arrayContaining(["ide.example.org", "box.lan:3000", "localhost:3000"]));
  });

  it("takes the port next start records in PORT, and bare names on port 80", () => {
    process.env.PORT = "80";
    expect(listeningPort(config())).toBe(80);
    expect(allowedHosts(config())).toEqual(expect.arrayContaining(["localhost", "localhost:80"]));
    process.env.PORT = "not a port";
    expect(listeningPort(config({}, 4000))).toBe(4000);
  });
});

describe("isAllowedHost", () => {
  it("compares without case or surrounding blanks, and refuses a missing Host", () => {
    const allowed = ["localhost:3000"];
    expect(isAllowedHost(" LocalHost:3000 ", allowed)).toBe(true);
    expect(isAllowedHost("localhost:3001", allowed)).toBe(false);
    expect(isAllowedHost("evil.example", allowed)).toBe(false);
    expect(isAllowedHost(null, allowed)).toBe(false);
  });
});

describe("misdirectedMessage", () => {
  it("names the refused host, the allowed ones and the settings that add a name", () => {
    const message = misdirectedMessage("evil.example", ["localhost:3000"]);
    expect(message).toContain('not "evil.example"');
    expect(message).toContain("localhost:3000");
    expect(message).toContain("SANDPIT_PUBLIC_URL");
    expect(misdirectedMessage(null, ["localhost:3000"])).toContain("a request without a Host header");
  });
});
