import { describe, expect, it } from "vitest";
import { normalizeEgressPolicy } from "@/lib/egress";
import { policyAllows, registryRules } from "./policy";

describe("policyAllows", () => {
  const registries = registryRules({
    pipIndexUrl: "http://pypi.mirror.test:3141/simple/",
    goproxy: "https://goproxy.test,direct",
  });

  it("allows nothing under none", () => {
    expect(policyAllows("none", registries, "registry.npmjs.org", 443)).toBe(false);
  });

  it("allows the public registries and the configured mirrors under registries, and nothing else", () => {
    expect(policyAllows("registries", registries, "registry.npmjs.org", 443)).toBe(true);
    expect(policyAllows("registries", registries, "files.pythonhosted.org", 443)).toBe(true);
    expect(policyAllows("registries", registries, "pypi.mirror.test", 3141)).toBe(true);
    expect(policyAllows("registries", registries, "pypi.mirror.test", 443)).toBe(false);
    expect(policyAllows("registries", registries, "goproxy.test", 443)).toBe(true);
    expect(policyAllows("registries", registries, "example.com", 443)).toBe(false);
    expect(policyAllows("registries", registries, "registry.npmjs.org", 22)).toBe(false);
  });

  it("matches names, wildcards (subdomains only) and ports of an allow-list", () => {
    const policy = normalizeEgressPolicy({ allow: ["API.Example.com", "*.cdn.test", "db.test:5432"] });
    expect(policyAllows(policy, [], "api.example.com", 443)).toBe(true);
    expect(policyAllows(policy, [], "api.example.com", 80)).toBe(true);
    expect(policyAllows(policy, [], "api.example.com", 8080)).toBe(false);
    expect(policyAllows(policy, [], "x.api.example.com", 443)).toBe(false);
    expect(policyAllows(policy, [], "a.b.cdn.test", 443)).toBe(true);
    expect(policyAllows(policy, [], "cdn.test", 443)).toBe(false);
    expect(policyAllows(policy, [], "evilcdn.test", 443)).toBe(false);
    expect(policyAllows(policy, [], "db.test", 5432)).toBe(true);
    expect(policyAllows(policy, [], "db.test", 443)).toBe(false);
  });
});
