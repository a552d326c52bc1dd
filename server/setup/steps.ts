import { packageSteps, type PackageManager } from "@/lib/languages";
import type { NormalizedSetup, SetupSpec } from "@/lib/setup/spec";

export type StepName = PackageManager | "commands";

export interface StepCommand {
  /** Arguments exactly as the program receives them: package specs never pass through a shell. */
  argv: string[];
  cwd: string;
  files?: Array<{ path: string; data: string }>;
}

export interface PlannedStep {
  name: StepName;
  commands: StepCommand[];
}

const LAYER = "/opt/layer";

/**
 * The steps of a setup: each language's package step (lib/languages: pip → npm → go) for the packages
 * the spec lists, then its commands; empty ones are left out.
 */
export function planSteps(setup: NormalizedSetup, spec: SetupSpec): PlannedStep[] {
  const packageJson = spec.npm !== undefined && !Array.isArray(spec.npm) ? spec.npm.package_json : undefined;
  const steps: PlannedStep[] = [];
  for (const step of packageSteps()) {
    const packages = setup[step.manager];
    if (packages.length === 0) continue;
    const commands = step.install(packages, LAYER, step.manager === "npm" ? { packageJson } : {});
    steps.push({
      name: step.manager,
      commands: commands.map(({ files, ...command }) => ({
        ...command,
        ...(files ? { files: files.map(({ path, text }) => ({ path, data: Buffer.from(text).toString("base64") })) } : {}),
      })),
    });
  }
  if (setup.commands.length > 0) {
    steps.push({
      name: "commands",
      commands: setup.commands.map((command) => ({ argv: ["bash", "-c", command], cwd: "/workspace" })),
    });
  }
  return steps;
}
