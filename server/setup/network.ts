import "server-only";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import type { SetupAllowEntry } from "@/server/config/schema";

const run = promisify(execFile);

/** The guarded network scripts/ensure-setup-network.sh makes, and its bridge interface. */
export const SETUP_NETWORK = "sandpit-setup";
export const SETUP_BRIDGE = "sandpit-setup0";

/** Ranges whose REJECT rule must be present for forwarded traffic (metadata is in 169.254.0.0/16). */
export const BLOCKED_V4 = ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];
export const BLOCKED_V6 = ["fc00::/7", "fe80::/10"];

export interface SetupNetworkStatus {
  /** ok: guarded; warning: setups run, but the guard is missing or cannot be checked; error: setups cannot run. */
  status: "ok" | "warning" | "error";
  detail: string;
  /** What is missing, one line each, for logs and `npm run doctor`. */
  problems: string[];
}

const FIX = "run scripts/ensure-setup-network.sh as root (npm start and npm test run it)";

/** The rules of one chain as `iptables -S` prints them, or undefined when the chain is missing. */
async function chain(command: "iptables" | "ip6tables", name: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run(command, ["-w", "-S", name], { timeout: 10_000 });
    return stdout.split("\n").filter(Boolean);
  } catch (error) {
    const text = `${(error as { stderr?: string }).stderr ?? ""}${(error as Error).message}`;
    if (/No chain|does not exist/i.test(text)) return undefined;
    throw error;
  }
}

function portRange(entry: SetupAllowEntry): string {
  return entry.fromPort === entry.toPort ? String(entry.fromPort) : `${entry.fromPort}:${entry.toPort}`;
}

/** Rule problems for one address family (v4 also carries the allow-list of IPv4 and host entries). */
async function ruleProblems(command: "iptables" | "ip6tables", allow: SetupAllowEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const forward = await chain(command, "SANDPIT-SETUP");
  const input = await chain(command, "SANDPIT-SETUP-IN");
  const label = command === "iptables" ? "IPv4" : "IPv6";
  if (!forward) return [`${label}: chain SANDPIT-SETUP is missing (setups reach private networks)`];
  if (!input) return [`${label}: chain SANDPIT-SETUP-IN is missing (setups reach this host)`];
  const jumps = command === "iptables" ? await chain(command, "DOCKER-USER") : await chain(command, "FORWARD");
  if (!jumps?.some((rule) => rule.includes(`-i ${SETUP_BRIDGE} -j SANDPIT-SETUP`)))
    problems.push(
      `${label}: no jump to SANDPIT-SETUP for ${SETUP_BRIDGE} in ${command === "iptables" ? "DOCKER-USER" : "FORWARD"}`,
    );
  const inputRules = await chain(command, "INPUT");
  if (!inputRules?.some((rule) => rule.includes(`-i ${SETUP_BRIDGE} -j SANDPIT-SETUP-IN`)))
    problems.push(`${label}: no jump to SANDPIT-SETUP-IN for ${SETUP_BRIDGE} in INPUT`);
  if (!input.some((rule) => /^-A SANDPIT-SETUP-IN -j REJECT/.test(rule)))
    problems.push(`${label}: SANDPIT-SETUP-IN does not end in REJECT (setups reach this host)`);
  for (const range of command === "iptables" ? BLOCKED_V4 : BLOCKED_V6) {
    if (!forward.some((rule) => rule.startsWith(`-A SANDPIT-SETUP -d ${range} -j REJECT`)))
      problems.push(`${label}: ${range} is not rejected`);
  }
  for (const entry of allow) {
    const ports = portRange(entry);
    const v6 = entry.host.includes(":");
    if (entry.host === "host-gateway") {
      if (!input.some((rule) => rule.includes(`--dport ${ports} `) && rule.endsWith("-j ACCEPT")))
        problems.push(`${label}: SANDPIT_SETUP_ALLOW host-gateway:${ports.replace(":", "-")} has no rule`);
    } else if (v6 === (command === "ip6tables")) {
      const prefix = v6 ? "/128" : "/32";
      if (!forward.some((rule) => rule.includes(`-d ${entry.host}${prefix} `) && rule.includes(`--dport ${ports} `)))
        problems.push(`${label}: SANDPIT_SETUP_ALLOW ${entry.host}:${ports.replace(":", "-")} has no rule`);
    }
  }
  return problems;
}

/**
 * Whether setup containers run on the guarded network: it exists as the bring-up makes it (its own
 * bridge, ICC off) and the iptables rules that keep it out of this host and private ranges are in place.
 */
export async function checkSetupNetwork(
  docker: Dockerode,
  setup: { network: string; allow: SetupAllowEntry[] },
): Promise<SetupNetworkStatus> {
  if (setup.network === "none") return { status: "ok", detail: "setups run without a network", problems: [] };
  if (setup.network !== SETUP_NETWORK) {
    const problem = `setups use Docker network "${setup.network}", which nothing guards: they can reach this host and private networks`;
    return { status: "warning", detail: `${problem}; unset SANDPIT_SETUP_NETWORK to use ${SETUP_NETWORK}`, problems: [problem] };
  }
  let options: Record<string, string>;
  try {
    options = ((await docker.getNetwork(SETUP_NETWORK).inspect()) as { Options?: Record<string, string> }).Options ?? {};
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    const problem = `Docker network ${SETUP_NETWORK} is missing: setups cannot start`;
    return { status: "error", detail: `${problem}; ${FIX}`, problems: [problem] };
  }
  const problems: string[] = [];
  if (options["com.docker.network.bridge.name"] !== SETUP_BRIDGE)
    problems.push(`network ${SETUP_NETWORK} does not use bridge ${SETUP_BRIDGE}, so the rules do not apply to it`);
  if (options["com.docker.network.bridge.enable_icc"] !== "false")
    problems.push(`network ${SETUP_NETWORK} lets its containers talk to each other (ICC on)`);
  try {
    problems.push(...(await ruleProblems("iptables", setup.allow)));
    problems.push(...(await ruleProblems("ip6tables", setup.allow)));
  } catch (error) {
    const problem = `the firewall rules cannot be read here (${(error as Error).message.split("\n")[0]}); they may be missing`;
    return { status: "warning", detail: `${problem}; ${FIX}`, problems: [problem] };
  }
  if (problems.length > 0) return { status: "warning", detail: `${problems.join("; ")}; ${FIX}`, problems };
  const allowed = setup.allow.map((entry) => `${entry.host}:${portRange(entry).replace(":", "-")}`).join(", ");
  return {
    status: "ok",
    detail: `${SETUP_NETWORK}: egress to this host and private ranges rejected${allowed ? `; allowed: ${allowed}` : ""}`,
    problems: [],
  };
}
