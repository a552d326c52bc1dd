import "server-only";
import ipaddr from "ipaddr.js";

// Which resolved addresses the egress proxy may connect to. Only global unicast is reachable:
// loopback, RFC 1918 and ULA private ranges, link-local (the cloud metadata address
// 169.254.169.254 among them), CGNAT, unspecified, multicast, broadcast, reserved and
// transition ranges are refused, and IPv4-mapped or NAT64 IPv6 forms are judged by the IPv4
// address inside. The documentation ranges count as public: intercepting proxies answer with them.

const DOCUMENTATION_V4 = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

function judgeV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  if (range === "unicast") return { allowed: true };
  if (DOCUMENTATION_V4.some((cidr) => address.match(cidr))) return { allowed: true };
  return { allowed: false, range };
}

/** Whether the proxy may connect to `address` (an IP literal); `exempt` lists CIDRs the operator allows anyway. */
export function judgeAddress(address: string, exempt: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = []): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, range: "invalid" };
  const parsed = ipaddr.parse(address);
  const plain =
    parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
  for (const [range, bits] of exempt) {
    if (plain.kind() === range.kind() && plain.match(range, bits)) return { allowed: true };
  }
  if (plain.kind() === "ipv4") return judgeV4(plain as ipaddr.IPv4);
  const v6 = plain as ipaddr.IPv6;
  const range = v6.range();
  return range === "unicast" ? { allowed: true } : { allowed: false, range };
}

/** Parses `10.0.0.0/8`-style CIDRs (a bare address is /32 or /128); throws naming a bad one. */
export function parseCidrs(list: string[]): Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> {
  return list.map((text) => {
    try {
      if (text.includes("/")) return ipaddr.parseCIDR(text);
      const address = ipaddr.parse(text);
      return [address, address.kind() === "ipv4" ? 32 : 128];
    } catch {
      throw new Error(`"${text}" is not an address or CIDR range`);
    }
  });
}
