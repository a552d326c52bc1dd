import { execFile } from "node:child_process";
import type { Server } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { testDocker } from "./docker";

const run = promisify(execFile);

/** Ports on this host that setup containers may reach in tests (SANDPIT_SETUP_ALLOW host-gateway entry). */
export const TEST_ALLOWED_PORTS = { from: 39140, to: 39149 };
export const TEST_SETUP_ALLOW = `host-gateway:${TEST_ALLOWED_PORTS.from}-${TEST_ALLOWED_PORTS.to}`;

let ready: Promise<{ network: string; gateway: string }> | undefined;

/**
 * The guarded setup network as the bring-up makes it, with the tests' ports allowed on this host
 * (the bring-up script is idempotent; the operator's own SANDPIT_SETUP_ALLOW entries are kept).
 * Returns the network and its gateway address, where setup containers reach this host.
 */
export function guardedSetupNetwork(): Promise<{ network: string; gateway: string }> {
  ready ??= (async () => {
    const allow = [process.env.SANDPIT_SETUP_ALLOW, TEST_SETUP_ALLOW].filter(Boolean).join(",");
    await run("bash", [path.join(process.cwd(), "scripts", "ensure-setup-network.sh")], {
      env: { ...process.env, SANDPIT_SETUP_NETWORK: "sandpit-setup", SANDPIT_SETUP_ALLOW: allow },
    });
    const info = (await testDocker().docker.getNetwork("sandpit-setup").inspect()) as {
      IPAM: { Config: Array<{ Gateway?: string }> };
    };
    const gateway = info.IPAM.Config.find((config) => config.Gateway && !config.Gateway.includes(":"))?.Gateway;
    if (!gateway) throw new Error("network sandpit-setup has no IPv4 gateway");
    return { network: "sandpit-setup", gateway };
  })();
  return ready;
}

/** Listens on all addresses at the first free allowed port, so setup containers reach it. */
export async function listenOnAllowedPort(server: Server): Promise<number> {
  for (let port = TEST_ALLOWED_PORTS.from; port <= TEST_ALLOWED_PORTS.to; port += 1) {
    const bound = await new Promise<boolean>((resolve) => {
      const fail = (): void => resolve(false);
      server.once("error", fail);
      server.listen(port, "0.0.0.0", () => {
        server.off("error", fail);
        resolve(true);
      });
    });
    if (bound) return port;
  }
  throw new Error(`no free port in ${TEST_SETUP_ALLOW}`);
}
