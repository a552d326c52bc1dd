import type { NetworkInterfaceInfo } from "node:os";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { HostAddresses } from "./host-addresses";

function nic(address: string, cidr: string | null = null, internal = false): NetworkInterfaceInfo {
  const family = address.includes(":") ? "IPv6" : "IPv4";
  return { address, family, netmask: "", mac: "00:00:00:00:00:00", internal, cidr } as NetworkInterfaceInfo;
}

describe("HostAddresses", () => {
  it("holds every interface address and the public URL's, and follows them when they change", async () => {
    let interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = {
      eth0: [nic("203.0.113.7"), nic("2001:db8::7")],
      lo: [nic("127.0.0.1")],
    };
    let publicAddresses = ["198.51.100.9"];
    using host = new HostAddresses({
      publicHost: "sandpit.example.com",
      resolve: (name) => Promise.resolve(name === "sandpit.example.com" ? publicAddresses : []),
      log: pino({ level: "silent" }),
      interfaces: () => interfaces,
    });
    await host.refresh();
    expect([...host.set].sort()).toEqual(["127.0.0.1", "198.51.100.9", "2001:db8:0:0:0:0:0:7", "203.0.113.7"].sort());

    interfaces = { eth0: [nic("203.0.113.8")] };
    publicAddresses = ["198.51.100.10"];
    await host.refresh();
    expect([...host.set].sort()).toEqual(["198.51.100.10", "203.0.113.8"]);
  });

  it("holds the networks of the host's interfaces, but not loopback's nor Docker's bridges'", () => {
    using host = new HostAddresses({
      resolve: () => Promise.resolve([]),
      log: pino({ level: "silent" }),
      interfaces: () => ({
        eth0: [nic("203.0.113.7", "203.0.113.7/24"), nic("2001:db8:7::7", "2001:db8:7::7/64")],
        lo: [nic("127.0.0.1", "127.0.0.1/8", true)],
        docker0: [nic("172.17.0.1", "172.17.0.1/16")],
        "br-0123abcd": [nic("172.18.0.1", "172.18.0.1/16")],
        veth12ab: [nic("fe80::1", "fe80::1/64")],
      }),
    });
    expect(host.networks.map(([range, bits]) => `${range.toString()}/${bits}`)).toEqual(["203.0.113.7/24", "2001:db8:7::7/64"]);
  });

  it("keeps the last addresses when the public name stops resolving", async () => {
    let fail = false;
    using host = new HostAddresses({
      publicHost: "sandpit.example.com",
      resolve: () => (fail ? Promise.reject(new Error("SERVFAIL")) : Promise.resolve(["198.51.100.9"])),
      log: pino({ level: "silent" }),
      interfaces: () => ({}),
    });
    await host.refresh();
    fail = true;
    await host.refresh();
    expect([...host.set]).toEqual(["198.51.100.9"]);
  });
});
