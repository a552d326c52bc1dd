import "server-only";
import os from "node:os";
import type { Logger } from "pino";
import ipaddr from "ipaddr.js";
import { canonical, type Cidr } from "./address";

/** Docker's own bridges and their veth ends: their ranges are private, refused anyway, and sandboxes sit on them. */
const DOCKER_INTERFACE = /^(docker\d+|br-[0-9a-f]+|veth.*)$/;

/** How often the host's addresses are read again (interfaces come and go: DHCP, VPNs, Docker networks). */
const REFRESH_MS = 30_000;

/**
 * The Sandpit host's own addresses, which sandboxes may never reach through the proxy: every
 * address of every interface, and what the public URL's name resolves to (the address a NAT or a
 * load balancer forwards to this host, which no interface shows).
 */
export class HostAddresses implements Disposable {
  private current = new Set<string>();
  private currentNetworks: Cidr[] = [];
  private failing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly options: {
      publicHost?: string;
      /** Outside the sessions' pool, so sessions' lookups never hold up the host's. */
      resolve: (name: string) => Promise<string[]>;
      log: Logger;
      interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
      refreshMs?: number;
    },
  ) {
    ({ addresses: this.current, networks: this.currentNetworks } = this.fromInterfaces());
    this.timer = setInterval(() => void this.refresh(), options.refreshMs ?? REFRESH_MS);
    this.timer.unref();
    void this.refresh();
  }

  get set(): ReadonlySet<string> {
    return this.current;
  }

  /** The networks of the host's non-loopback interfaces, Docker's bridges aside. */
  get networks(): ReadonlyArray<Cidr> {
    return this.currentNetworks;
  }

  private fromInterfaces(): { addresses: Set<string>; networks: Cidr[] } {
    const addresses = new Set<string>();
    const networks: Cidr[] = [];
    for (const [name, entries] of Object.entries((this.options.interfaces ?? os.networkInterfaces)())) {
      for (const entry of entries ?? []) {
        const address = canonical(entry.address);
        if (address) addresses.add(address);
        if (entry.internal || !entry.cidr || DOCKER_INTERFACE.test(name)) continue;
        try {
          networks.push(ipaddr.parseCIDR(entry.cidr.replace(/%[^/]*/, "")));
        } catch {
          // An interface entry without a usable CIDR still has its address refused above.
        }
      }
    }
    return { addresses, networks };
  }

  /** Reads the interfaces and resolves the public name again; the previous public addresses stay if DNS fails. */
  async refresh(): Promise<void> {
    const { addresses: next, networks } = this.fromInterfaces();
    const { publicHost } = this.options;
    // localhost names are loopback, refused anyway, and not in DNS.
    if (publicHost && !/(^|\.)localhost$/i.test(publicHost)) {
      try {
        for (const address of await this.options.resolve(publicHost)) {
          const form = canonical(address);
          if (form) next.add(form);
        }
        this.failing = false;
      } catch (error) {
        // Said once per outage, not at every refresh.
        if (!this.failing)
          this.options.log.warn(
            { err: error, host: publicHost },
            "egress: the public URL's name did not resolve; keeping its last addresses",
          );
        this.failing = true;
        for (const address of this.current) next.add(address);
      }
    }
    this.current = next;
    this.currentNetworks = networks;
  }

  [Symbol.dispose](): void {
    clearInterval(this.timer);
  }
}
