import type { NetworkInterfaceInfo } from "node:os";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { HostAddresses } from "./host-addresses";

function nic(address: string): NetworkInterfaceInfo {
  const family = address.includes(":") ? "IPv6" : "IPv4";
  return { address, family, netmask: "", mac: "00:00:00:00:00:00", internal: false, cidr: null } as NetworkInterfaceInfo;
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
