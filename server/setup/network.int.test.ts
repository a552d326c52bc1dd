import { execFileSync } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupHarness, type SetupHarness } from "@/test/setup";
import { guardedSetupNetwork, listenOnAllowedPort, TEST_ALLOWED_PORTS } from "@/test/setup-network";
import { BLOCKED_V4, checkSetupNetwork } from "./network";

let h: SetupHarness;
let gateway: string;
/** Listens on every address of this host at a port setups may not reach; records who connected. */
let guarded: Server;
let guardedPort: number;
const guardedPeers: string[] = [];
/** The same, at an allowed port. */
let allowed: Server;
let allowedPort: number;
const allowedPeers: string[] = [];

function recorder(peers: string[]): Server {
  return createServer((socket: Socket) => {
    peers.push(socket.remoteAddress ?? "?");
    socket.end("hello from the host\n");
  });
}

beforeAll(async () => {
  ({ gateway } = await guardedSetupNetwork());
  h = await setupHarness();
  guarded = recorder(guardedPeers);
  await new Promise<void>((resolve) => guarded.listen(0, "0.0.0.0", resolve));
  guardedPort = (guarded.address() as { port: number }).port;
  allowed = recorder(allowedPeers);
  allowedPort = await listenOnAllowedPort(allowed);
});
afterAll(async () => {
  guarded.close();
  allowed.close();
  await h[Symbol.asyncDispose]();
});

/** This host's IPv4 addresses as a container could aim at them: the gateway and every interface's but loopback (down ones too). */
function hostAddresses(): string[] {
  const listing = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  const addresses = new Set([gateway, ...[...listing.matchAll(/ inet (\S+)\//g)].map((match) => match[1] ?? "")]);
  return [...addresses].filter((address) => address && !address.startsWith("127."));
}

/** A setup command that connects to each `host:port` and prints `connected`, `blocked` (the REJECT) or the error. */
function probe(targets: string[]): string {
  const script = [
    "import errno, socket, sys",
    "for target in sys.argv[1:]:",
    "    host, port = target.rsplit(':', 1)",
    "    s = socket.socket(); s.settimeout(10)",
    "    try:",
    "        s.connect((host, int(port))); print('connected', target, s.recv(64).decode().strip())",
    "    except OSError as e:",
    "        print('blocked' if e.errno == errno.EHOSTUNREACH else 'failed', target, e)",
  ].join("\n");
  return `python3 -c "$(echo ${Buffer.from(script).toString("base64")} | base64 -d)" ${targets.join(" ")}`;
}

describe("Setup network", () => {
  it("is installed and reported as guarded", async () => {
    const status = await checkSetupNetwork(h.docker, { network: "sandpit-setup", allow: [] });
    expect(status).toMatchObject({ status: "ok", problems: [] });
    const rules = execFileSync("iptables", ["-w", "-S", "SANDPIT-SETUP"], { encoding: "utf8" });
    // Cloud metadata (169.254.169.254) is in the link-local range, rejected with an answer, not dropped.
    for (const range of BLOCKED_V4)
      expect(rules).toContain(`-A SANDPIT-SETUP -d ${range} -j REJECT --reject-with icmp-admin-prohibited`);
    // A network that is not the guarded one is reported, not passed as fine.
    expect(await checkSetupNetwork(h.docker, { network: "bridge", allow: [] })).toMatchObject({ status: "warning" });
  });

  it("keeps setups off this host (gateway and every address) and metadata, and lets them reach an allowed port", async () => {
    // Probes go to metadata only with its REJECT rule in place, so nothing leaves this machine.
    expect((await checkSetupNetwork(h.docker, { network: "sandpit-setup", allow: [] })).status).toBe("ok");
    const blockedTargets = hostAddresses().map((address) => `${address}:${guardedPort}`);
    // Answered locally by the REJECT rule: the packet never leaves this machine.
    const metadata = "169.254.169.254:80";
    const session = h.session();
    await h.setups.submit(session, { commands: [probe([...blockedTargets, metadata, `${gateway}:${allowedPort}`])] });
    const done = await h.setups.waitFor(session);
    const log = done.steps.map((step) => step.log).join("\n");
    for (const target of [...blockedTargets, metadata])
      expect(log).toMatch(new RegExp(`^blocked ${target} .*No route to host`, "m"));
    expect(log).toContain(`connected ${gateway}:${allowedPort} hello from the host`);
    expect(guardedPeers).toEqual([]);
    expect(allowedPeers).toHaveLength(1);
    expect(allowedPort).toBeGreaterThanOrEqual(TEST_ALLOWED_PORTS.from);
    expect(done.status).toBe("completed");
  });
});
