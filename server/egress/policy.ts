import "server-only";
import { parseEgressRule, ruleAllows, type EgressPolicy, type EgressRule } from "@/lib/egress";
import type { Config } from "@/server/config";

/** The public registries the `registries` policy allows when no mirror replaces them. */
const PUBLIC_REGISTRIES = [
  "registry.npmjs.org", // npm
  "pypi.org", // the PyPI index
  "files.pythonhosted.org", // PyPI's files
  "proxy.golang.org", // the Go module proxy
  "sum.golang.org", // the Go checksum database
];

function urlRule(url: string): EgressRule | undefined {
  try {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : null;
    return { domain: parsed.hostname.toLowerCase(), wildcard: false, port };
  } catch {
    return undefined;
  }
}

/** The rules of the `registries` policy: the public registries, and the mirrors configured. */
export function registryRules(mirrors: Config["mirrors"]): EgressRule[] {
  const rules = PUBLIC_REGISTRIES.map((domain): EgressRule => ({ domain, wildcard: false, port: null }));
  const urls = [mirrors.npmRegistry, mirrors.pipIndexUrl, ...(mirrors.goproxy?.split(/[,|]/) ?? [])];
  for (const url of urls) {
    if (!url || url === "off" || url === "direct") continue;
    const rule = urlRule(url);
    if (rule) rules.push(rule);
  }
  if (mirrors.gosumdb && mirrors.gosumdb !== "off") {
    // GOSUMDB is "name" or "name+key url": the url, or the name, is where go asks.
    const where = mirrors.gosumdb.split(/\s+/).at(-1) ?? "";
    const rule = where.includes("://") ? urlRule(where) : parseEgressRule(where.split("+")[0] ?? "");
    if (rule) rules.push(rule);
  }
  return rules;
}

/** Whether `host:port` is allowed by `policy`; `host` is lower-case, without a trailing dot. */
export function policyAllows(policy: EgressPolicy, registries: EgressRule[], host: string, port: number): boolean {
  if (policy === "none") return false;
  const rules = policy === "registries" ? registries : policy.allow.map(parseEgressRule).filter((rule) => rule !== undefined);
  return rules.some((rule) => ruleAllows(rule, host, port));
}
