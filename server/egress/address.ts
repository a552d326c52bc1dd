import "server-only";
import ipaddr from "ipaddr.js";

// Which resolved addresses the egress proxy may connect to. Only global unicast is reachable:
// loopback, RFC 1918 and ULA private ranges, link-local (the cloud metadata address
// 169.254.169.254 among them), CGNAT, unspecified, multicast, broadcast, reserved and
// transition ranges are refused, and IPv4-mapped or NAT64 IPv6 forms are judged by the IPv4
// address inside. IPv6 is reachable only inside 2000::/3 (global unicast), so IPv4-compatible
// forms (::7f00:1) and whatever else ipaddr.js calls unicast outside it are refused. The
// Sandpit host's own addresses are refused whatever their range: a public name pointed at the
// host must not reach services bound to 0.0.0.0. The documentation ranges count as public:
// intercepting proxies answer with them.

const DOCUMENTATION_V4 = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));
const GLOBAL_V6 = ipaddr.IPv6.parseCIDR("2000::/3");

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** What the judge knows besides the address: operator exemptions and the host's own addresses. */
export interface AddressRules {
  /** CIDRs the operator allows anyway. A host address is let through only when listed alone (/32, /128). */
  exempt?: ReadonlyArray<Cidr>;
  /** The Sandpit host's own addresses, in `canonical()` form. */
  host?: ReadonlySet<string>;
  /** The networks the host's interfaces sit on (its router, its neighbours): refused unless an exempt range covers the address. */
  hostNetworks?: ReadonlyArray<Cidr>;
}

function plain(parsed: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

/** One spelling per address (IPv4-mapped IPv6 as its IPv4, zone dropped), for set lookups; undefined if not an address. */
export function canonical(address: string): string | undefined {
  const bare = address.replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return undefined;
  return plain(ipaddr.parse(bare)).toNormalizedString();
}

function judgeV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  if (range === "unicast") return { allowed: true };
  if (DOCUMENTATION_V4.some((cidr) => address.match(cidr))) return { allowed: true };
  return { allowed: false, range };
}

function judgeV6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (range !== "unicast") return { allowed: false, range };
  return address.match(GLOBAL_V6) ? { allowed: true } : { allowed: false, range: "notGlobalUnicast" };
}

/** Whether the proxy may connect to `address` (an IP literal). */
export function judgeAddress(address: string, rules: AddressRules = {}): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, range: "invalid" };
  const parsed = plain(ipaddr.parse(address));
  const exempt = (rules.exempt ?? []).filter(([range]) => parsed.kind() === range.kind());
  const exempted = exempt.some(([range, bits]) => parsed.match(range, bits));
  const verdict: AddressVerdict = exempted
    ? { allowed: true }
    : parsed.kind() === "ipv4"
      ? judgeV4(parsed as ipaddr.IPv4)
      : judgeV6(parsed as ipaddr.IPv6);
  if (!verdict.allowed) return verdict;
  if (!rules.host?.has(parsed.toNormalizedString())) {
    const onHostNetwork = (rules.hostNetworks ?? []).some(
      ([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits),
    );
    return onHostNetwork && !exempted ? { allowed: false, range: "hostNetwork" } : verdict;
  }
  // One of the host's own: reachable only when the operator exempts exactly that address.
  const single = parsed.kind() === "ipv4" ? 32 : 128;
  return exempt.some(([range, bits]) => bits === single && parsed.match(range, bits))
    ? { allowed: true }
    : { allowed: false, range: "thisHost" };
}

/** Parses `10.0.0.0/8`-style CIDRs (a bare address is /32 or /128); throws naming a bad one. */
export function parseCidrs(list: string[]): Cidr[] {
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
