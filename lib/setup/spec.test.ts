import { describe, expect, it } from "vitest";
import { normalizeSetup, setupSpecSchema } from "./spec";

function errorsOf(input: unknown): string[] {
  const parsed = setupSpecSchema.safeParse(input);
  if (parsed.success) throw new Error("expected the spec to be refused");
  return parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("setupSpecSchema", () => {
  it("accepts the seed's examples", () => {
    for (const spec of [
      { pip: ["requests", "pandas", "numpy"] },
      { pip: { requirements: "requests>=2.28.0\npandas==2.0.0\nnumpy" } },
      { npm: ["ms", "chalk", "axios"] },
      { go: ["github.com/gin-gonic/gin"] },
      { commands: ["mkdir -p /tmp/data"], envs: { SETUP_ENV: "production" } },
      { pip: ["requests"], npm: ["ms"], commands: ["mkdir -p /data"] },
    ]) {
      expect(setupSpecSchema.safeParse(spec).success).toBe(true);
    }
  });

  it.each([
    ["requests[security]>=2.0,<3", true],
    ["Django~=4.2", true],
    ["numpy", true],
    ["--index-url=http://evil", false],
    ["requests; rm -rf /", false],
    ["git+https://github.com/x/y", false],
    ["requests>=", false],
    ["$(whoami)", false],
  ])("validates the pip spec %s", (value, ok) => {
    expect(setupSpecSchema.safeParse({ pip: [value] }).success).toBe(ok);
  });

  it.each([
    ["lodash", true],
    ["lodash@4.17.21", true],
    ["@types/node@^20", true],
    ["ms@latest", true],
    ["left-pad@>=1.0.0 <2", true],
    ["Lodash", false],
    ["lodash; curl x", false],
    ["git+ssh://git@github.com/x", false],
    ["file:../evil", false],
    ["--ignore-scripts=false", false],
  ])("validates the npm spec %s", (value, ok) => {
    expect(setupSpecSchema.safeParse({ npm: [value] }).success).toBe(ok);
  });

  it.each([
    ["github.com/gin-gonic/gin", true],
    ["github.com/google/uuid@v1.6.0", true],
    ["example.com/hello@latest", true],
    ["example.org/x/text/language", true],
    ["github.com/x/y && rm -rf /", false],
    ["-insecure", false],
  ])("validates the Go module %s", (value, ok) => {
    expect(setupSpecSchema.safeParse({ go: [value] }).success).toBe(ok);
  });

  it("says which requirement line is wrong", () => {
    expect(errorsOf({ pip: { requirements: "requests\n# a comment\n\n--extra-index-url http://x" } })).toEqual([
      'pip.requirements: line 2: pip packages cannot be options (they start with "-")',
    ]);
  });

  it("refuses URLs in package_json and bounds every list", () => {
    expect(errorsOf({ npm: { package_json: { dependencies: { evil: "git+https://x/y" } } } })[0]).toContain("no URLs or paths");
    expect(errorsOf({ pip: Array.from({ length: 101 }, (_, i) => `p${i}`) })).toEqual(["pip: at most 100 pip packages"]);
    expect(errorsOf({ commands: ["x".repeat(10_001)] })).toEqual(["commands.0: commands are limited to 10000 characters"]);
    expect(errorsOf({ envs: { "1BAD": "x" } })[0]).toContain("env names use letters");
    expect(errorsOf({ unknown: true })[0]).toContain("Unrecognized key");
  });
});

describe("normalizeSetup", () => {
  it("treats equivalent specs alike: order, duplicates and spacing of packages do not matter", () => {
    const a = normalizeSetup({ pip: ["b", "a>=1.0", "a >= 1.0"], npm: ["ms", "lodash"], envs: { B: "2", A: "1" } });
    const b = normalizeSetup({
      pip: { requirements: "a>=1.0  # pinned\nb\n" },
      npm: { package_json: { dependencies: { lodash: "latest", ms: "latest" } } },
      envs: { A: "1", B: "2" },
    });
    expect(a.pip).toEqual(b.pip);
    expect(a.envs).toEqual(b.envs);
    expect(normalizeSetup({ npm: { package_json: { dependencies: { ms: "^2" } } } }).npm).toEqual(["ms@^2"]);
  });

  it("keeps the order of commands, which matters", () => {
    expect(normalizeSetup({ commands: ["b", "a"] }).commands).toEqual(["b", "a"]);
  });
});
