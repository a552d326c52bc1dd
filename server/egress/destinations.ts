import "server-only";
import net from "node:net";
import tls from "node:tls";
import type { EgressPolicy, EgressRule } from "@/lib/egress";
import { judgeAddress, type Cidr } from "./address";
import type { EgressUsage, TokenBucket } from "./meter";
import { policyAllows } from "./policy";
import { PoolFullError } from "./fair-share";
import type { ResolveName } from "./resolve";

// Where a session's traffic may go, and the sockets that take it there: the proxy's protocol
// handling (proxy.ts) asks here for every destination.

/** A header the proxy adds to requests for one host; the sandbox never sees it. */
export interface BoundSecret {
  host: string;
  header: string;
  value: string;
  /** The proxy speaks HTTPS to the destination (the program asks for http://): true unless the destination is a local test server. */
  https: boolean;
}

/** A session's bound secrets as the proxy has them: those it can add, and the hosts of those that no longer unseal. */
export interface SessionSecrets {
  bound: BoundSecret[];
  unreadable: string[];
}

/** What the proxy knows of the session a connection came from. */
export interface ProxiedSession {
  sessionId: string;
  policy: () => EgressPolicy;
  secrets: () => BoundSecret[];
  /** Hosts whose bound secret does not unseal: their requests are refused rather than sent without it. */
  unreadableSecrets: () => readonly string[];
  usage: EgressUsage;
  download: TokenBucket;
  upload: TokenBucket;
  /** Sockets to destinations, closed when the policy goes to none. */
  upstreams: Set<net.Socket>;
  /** The most sockets to destinations the session may have open at once. */
  limit: number;
}

/** A refusal, with the HTTP status the sandbox gets. */
export class Denied extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function policyName(policy: EgressPolicy): string {
  return typeof policy === "string" ? policy : "allow-list";
}

/** Host names as policies and secrets compare them: lower-case, without brackets or a trailing dot. */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
}

export interface DestinationOptions {
  registries: EgressRule[];
  exempt: ReadonlyArray<Cidr>;
  /** Names resolved before DNS. */
  hosts: Record<string, string>;
  resolve: ResolveName;
  /** The host's own addresses, refused like private ranges; read at each decision. */
  hostAddresses: () => ReadonlySet<string>;
  /** The networks the host's interfaces sit on, refused unless exempt; read at each decision. */
  hostNetworks?: () => ReadonlyArray<Cidr>;
  connectTimeoutMs?: number;
  /** A socket to a destination that moves no byte this long is closed. */
  idleTimeoutMs: number;
  /** Certificates trusted when the proxy speaks HTTPS itself (bound secrets); Node's own roots otherwise. */
  ca?: string[];
}

/** Decides destinations and opens sockets to them, within each session's connection limit. */
export class Destinations {
  constructor(private readonly options: DestinationOptions) {}

  /** Throws unless the session's policy, as it is now, allows `name:port`. */
  check(session: ProxiedSession, name: string, port: number): void {
    const policy = session.policy();
    if (!policyAllows(policy, this.options.registries, name, port))
      throw new Denied(403, `${name}:${port} is not allowed by this session's egress policy (${policyName(policy)})`);
  }

  /** The address to connect to for `name:port`, once the policy and every address the name has allow it. */
  async decide(session: ProxiedSession, name: string, port: number): Promise<string> {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Denied(400, `${name}: not a valid port`);
    this.check(session, name, port);
    const mapped = this.options.hosts[name];
    let addresses: string[];
    try {
      addresses = mapped ? [mapped] : await this.options.resolve(name, session.sessionId);
    } catch (error) {
      // A lookup refused because too many are under way says so: the name may well resolve later.
      if (error instanceof PoolFullError) throw new Denied(503, `${name} was not looked up: ${error.message}; try again`);
      throw new Denied(502, `${name} does not resolve`);
    }
    // Every address is checked, and the one connected to is one of them: no second lookup to rebind.
    const rules = {
      exempt: this.options.exempt,
      host: this.options.hostAddresses(),
      hostNetworks: this.options.hostNetworks?.(),
    };
    for (const address of addresses) {
      const verdict = judgeAddress(address, rules);
      if (!verdict.allowed)
        throw new Denied(403, `${name} resolves to ${address} (${verdict.range}), which sandboxes may never reach`);
    }
    const first = addresses[0];
    if (!first) throw new Denied(502, `${name} does not resolve`);
    // The policy may have changed while the name resolved.
    this.check(session, name, port);
    return first;
  }

  /**
   * A socket to a checked address, counted in the session's open connections from this moment;
   * closed if it does not connect within the connect timeout or then stays idle.
   */
  dial(session: ProxiedSession, address: string, port: number, secure?: { servername: string }): net.Socket {
    if (session.upstreams.size >= session.limit)
      throw new Denied(429, `this session has ${session.limit} connections open, the most it may have`);
    const socket = secure
      ? tls.connect({ host: address, port, servername: secure.servername, ...(this.options.ca ? { ca: this.options.ca } : {}) })
      : net.connect({ host: address, port });
    session.upstreams.add(socket);
    session.usage.open += 1;
    session.usage.connections += 1;
    socket.setTimeout(this.options.connectTimeoutMs ?? 15_000);
    socket.once("connect", () => socket.setTimeout(this.options.idleTimeoutMs));
    socket.on("timeout", () => socket.destroy(new Error(socket.connecting ? "connect timeout" : "idle timeout")));
    socket.once("close", () => {
      session.upstreams.delete(socket);
      session.usage.open -= 1;
    });
    return socket;
  }
}
