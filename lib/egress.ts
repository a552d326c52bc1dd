import { z } from "zod";

// A session's egress policy as the API, the UI and the server's proxy see it: "none" (no network,
// the default), "registries" (the configured package registries and mirrors), or an allow-list of
// domain patterns with optional ports. The server enforces it; this module only states it.

export const MAX_EGRESS_RULES = 100;
/** Ports a rule without its own port allows. */
export const DEFAULT_EGRESS_PORTS = [80, 443] as const;

export interface EgressRule {
  /** Lower-case domain name; with `wildcard`, its subdomains (at any depth), not the name itself. */
  domain: string;
  wildcard: boolean;
  /** null: the default ports (80 and 443). */
  port: number | null;
}

export type EgressPolicy = "none" | "registries" | { allow: string[] };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Reads `api.example.com`, `*.example.com` or either with `:port`; undefined when it is not one. */
export function parseEgressRule(text: string): EgressRule | undefined {
  const match = /^(\*\.)?([^:]+)(?::(\d{1,5}))?$/.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const domain = (match[2] ?? "").replace(/\.$/, "");
  const labels = domain.split(".");
  if (domain.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) return undefined;
  // An address is not a domain: rules name hosts, and addresses are checked after resolution anyway.
  if (labels.every((label) => /^\d+$/.test(label))) return undefined;
  const port = match[3] === undefined ? null : Number(match[3]);
  if (port !== null && (port < 1 || port > 65_535)) return undefined;
  return { domain, wildcard: match[1] !== undefined, port };
}

/** Whether `host:port` is allowed by `rule`; `host` is lower-case without a trailing dot. */
export function ruleAllows(rule: EgressRule, host: string, port: number): boolean {
  const portOk = rule.port === null ? (DEFAULT_EGRESS_PORTS as readonly number[]).includes(port) : rule.port === port;
  const hostOk = rule.wildcard ? host.endsWith(`.${rule.domain}`) : host === rule.domain;
  return portOk && hostOk;
}

const ruleSchema = z
  .string()
  .max(260)
  .refine((text) => parseEgressRule(text) !== undefined, {
    error: (issue) =>
      `"${String(issue.input)}" is not a domain pattern: use a name like api.example.com or *.example.com, optionally with :port`,
  });

export const egressPolicySchema = z.union(
  [
    z.literal("none"),
    z.literal("registries"),
    z
      .object({
        allow: z
          .array(ruleSchema)
          .min(1, 'allow: give at least one domain pattern, or use "none"')
          .max(MAX_EGRESS_RULES, `allow: at most ${MAX_EGRESS_RULES} domain patterns`),
      })
      .strict(),
  ],
  { error: 'egress must be "none", "registries" or { "allow": ["api.example.com", "*.example.com:8443"] }' },
);

/** The stored form: patterns in a stable, lower-case order. */
export function normalizeEgressPolicy(policy: EgressPolicy): EgressPolicy {
  if (typeof policy === "string") return policy;
  return {
    allow: [
      ...new Set(
        policy.allow.map((rule) =>
          rule
            .trim()
            .toLowerCase()
            .replace(/\.(?=:|$)/, ""),
        ),
      ),
    ],
  };
}

/** A short label for the UI. */
export function describeEgressPolicy(policy: EgressPolicy): string {
  if (policy === "none") return "no network";
  if (policy === "registries") return "package registries";
  return policy.allow.join(", ");
}

export const MAX_EGRESS_SECRETS = 10;

/** What the session view says when the proxy could not be started in the session's sandbox. */
export const EGRESS_UNAVAILABLE_PROBLEM = "network proxy not available in this sandbox";

/** What a bound secret that no longer unseals (the server's key changed since it was set) tells its owner. */
export const UNREADABLE_SECRET_PROBLEM = "this secret was sealed with another server key; set it again";

/** A header the proxy adds to requests for one host; its value never enters the sandbox nor API answers. */
export const egressSecretsSchema = z
  .array(
    z
      .object({
        host: z
          .string()
          .max(253)
          .refine((text) => {
            const rule = parseEgressRule(text);
            return rule !== undefined && !rule.wildcard && rule.port === null;
          }, "host: give one domain name such as api.example.com (no wildcard, no port)")
          .transform((text) => text.trim().toLowerCase()),
        header: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "header: give a header name such as Authorization"),
        value: z
          .string()
          .min(1)
          .max(8192)
          .refine(
            (text) => /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(text),
            "value: visible ASCII characters only (spaces allowed inside), no control characters or line breaks",
          ),
        /** The proxy sends the request over HTTPS (programs ask for http://): false only for a local plain-HTTP service. */
        https: z.boolean().default(true),
      })
      .strict(),
  )
  .max(MAX_EGRESS_SECRETS, `egress_secrets: at most ${MAX_EGRESS_SECRETS}`);
export type EgressSecretInput = z.input<typeof egressSecretsSchema>[number];
