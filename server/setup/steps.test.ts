import { describe, expect, it } from "vitest";
import { normalizeSetup, type SetupSpec } from "@/lib/setup/spec";
import { planSteps } from "./steps";

const plan = (spec: SetupSpec) => planSteps(normalizeSetup(spec), spec);

describe("planSteps", () => {
  it("orders the steps pip → npm → go → commands and skips empty ones", () => {
    expect(plan({ commands: ["echo hi"], go: ["example.com/m"], npm: ["ms"], pip: ["requests"] }).map((s) => s.name)).toEqual([
      "pip",
      "npm",
      "go",
      "commands",
    ]);
    expect(plan({ npm: ["ms"] }).map((s) => s.name)).toEqual(["npm"]);
  });

  it("passes every package spec as its own argument", () => {
    const [pip] = plan({ pip: ["requests>=2", "flask"] });
    expect(pip?.commands[0]?.argv.slice(-2)).toEqual(["flask", "requests>=2"]);
    const [go] = plan({ go: ["example.com/a@v1.0.0", "example.com/b"] });
    expect(go?.commands[0]?.argv.slice(-2)).toEqual(["example.com/a@v1.0.0", "example.com/b"]);
    expect(go?.commands[0]?.argv[2]).not.toContain("example.com");
  });

  it("installs from a given package.json with its dependencies", () => {
    const [npm] = plan({ npm: { package_json: { dependencies: { ms: "^2.1.0" }, type: "module" } } });
    const file = npm?.commands[0]?.files?.[0];
    expect(file?.path).toBe("/opt/layer/node/package.json");
    expect(JSON.parse(Buffer.from(file?.data ?? "", "base64").toString())).toEqual({
      dependencies: { ms: "^2.1.0" },
      type: "module",
      name: "sandpit-layer",
      private: true,
    });
    expect(npm?.commands[0]?.argv.at(-1)).toBe("warn");
  });

  it("runs each command with bash in the workspace, in order", () => {
    const [commands] = plan({ commands: ["mkdir data", "echo 1 > data/x"] });
    expect(commands?.commands).toEqual([
      { argv: ["bash", "-c", "mkdir data"], cwd: "/workspace" },
      { argv: ["bash", "-c", "echo 1 > data/x"], cwd: "/workspace" },
    ]);
  });
});
