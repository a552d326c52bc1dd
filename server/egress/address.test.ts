import { describe, expect, it } from "vitest";
import { canonical, judgeAddress, parseCidrs } from "./address";

describe("judgeAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::a9fe:a9fe", "rfc6052"],
    ["::7f00:1", "notGlobalUnicast"],
    ["::a9fe:a9fe", "notGlobalUnicast"],
    ["4000::1", "notGlobalUnicast"],
  ])("refuses %s (%s)", (address, range) => {
    expect(judgeAddress(address)).toEqual({ allowed: false, range });
  });

  it.each(["93.184.215.14", "203.0.113.80", "198.51.100.7", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(judgeAddress(address)).toEqual({ allowed: true });
    },
  );

  it("allows an exempt range the operator configured, and only that range", () => {
    const exempt = parseCidrs(["127.0.0.1", "10.5.0.0/16"]);
    expect(judgeAddress("127.0.0.1", { exempt }).allowed).toBe(true);
    expect(judgeAddress("::ffff:127.0.0.1", { exempt }).allowed).toBe(true);
    expect(judgeAddress("10.5.3.4", { exempt }).allowed).toBe(true);
    expect(judgeAddress("127.0.0.2", { exempt }).allowed).toBe(false);
    expect(judgeAddress("10.6.0.1", { exempt }).allowed).toBe(false);
  });

  it("refuses the host's own public addresses, in every spelling", () => {
    const host = new Set(["203.0.113.7", "2606:4700:1::7"].map((address) => canonical(address) ?? ""));
    expect(judgeAddress("203.0.113.7", { host })).toEqual({ allowed: false, range: "thisHost" });
    expect(judgeAddress("::ffff:203.0.113.7", { host })).toEqual({ allowed: false, range: "thisHost" });
    expect(judgeAddress("2606:4700:0001:0000:0000:0000:0000:0007", { host })).toEqual({ allowed: false, range: "thisHost" });
    expect(judgeAddress("203.0.113.8", { host })).toEqual({ allowed: true });
    expect(judgeAddress("2606:4700::1111", { host })).toEqual({ allowed: true });
  });

  it("lets a host address through only when the operator exempts that one address, not a range around it", () => {
    const host = new Set([canonical("10.5.0.1") ?? ""]);
    expect(judgeAddress("10.5.0.1", { host, exempt: parseCidrs(["10.5.0.0/16"]) })).toEqual({
      allowed: false,
      range: "thisHost",
    });
    expect(judgeAddress("10.5.0.2", { host, exempt: parseCidrs(["10.5.0.0/16"]) })).toEqual({ allowed: true });
    expect(judgeAddress("10.5.0.1", { host, exempt: parseCidrs(["10.5.0.1"]) })).toEqual({ allowed: true });
  });

  it("refuses the host's neighbours on its own networks unless an exempt range covers them, and the host itself even then", () => {
    const hostNetworks = parseCidrs(["2606:4700:7::/64", "203.0.113.0/24"]);
    const host = new Set([canonical("2606:4700:7::7") ?? ""]);
    expect(judgeAddress("2606:4700:7::1", { host, hostNetworks })).toEqual({ allowed: false, range: "hostNetwork" });
    expect(judgeAddress("203.0.113.1", { host, hostNetworks })).toEqual({ allowed: false, range: "hostNetwork" });
    expect(judgeAddress("::ffff:203.0.113.1", { host, hostNetworks })).toEqual({ allowed: false, range: "hostNetwork" });
    expect(judgeAddress("2606:4700:8::1", { host, hostNetworks })).toEqual({ allowed: true });
    const exempt = parseCidrs(["2606:4700:7::/64"]);
    expect(judgeAddress("2606:4700:7::1", { host, hostNetworks, exempt })).toEqual({ allowed: true });
    expect(judgeAddress("2606:4700:7::7", { host, hostNetworks, exempt })).toEqual({ allowed: false, range: "thisHost" });
  });

  it("refuses what is not an address", () => {
    expect(judgeAddress("localhost")).toEqual({ allowed: false, range: "invalid" });
    expect(() => parseCidrs(["nope/8"])).toThrow('"nope/8" is not an address or CIDR range');
  });
});
