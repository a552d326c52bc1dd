import type { NormalizedSetup, SetupSpec } from "@/lib/setup/spec";

export type StepName = "pip" | "npm" | "go" | "commands";

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

/** The steps of a setup, in the order pip → npm → go → commands; empty ecosystems are left out. */
export function planSteps(setup: NormalizedSetup, spec: SetupSpec): PlannedStep[] {
  const steps: PlannedStep[] = [];
  if (setup.pip.length > 0) {
    steps.push({
      name: "pip",
      commands: [
        {
          argv: [
            "python3",
            "-m",
            "pip",
            "install",
            "--target",
            `${LAYER}/python`,
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--progress-bar",
            "off",
            ...setup.pip,
          ],
          cwd: "/workspace",
        },
      ],
    });
  }
  if (setup.npm.length > 0) {
    const given = spec.npm !== undefined && !Array.isArray(spec.npm) ? spec.npm.package_json : undefined;
    const fromPackageJson = given !== undefined;
    const manifest = { ...given, name: "sandpit-layer", private: true };
    steps.push({
      name: "npm",
      commands: [
        {
          argv: [
            "npm",
            "install",
            "--prefix",
            `${LAYER}/node`,
            "--no-audit",
            "--no-fund",
            "--no-update-notifier",
            "--loglevel",
            "warn",
            ...(fromPackageJson ? [] : setup.npm),
          ],
          cwd: "/workspace",
          files: [
            {
              path: `${LAYER}/node/package.json`,
              data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`).toString("base64"),
            },
          ],
        },
      ],
    });
  }
  if (setup.go.length > 0) {
    steps.push({
      name: "go",
      commands: [
        {
          // The module list arrives as "$@": the shell only sets up the folder, it never parses a spec.
          argv: [
            "bash",
            "-c",
            'mkdir -p "$0" && cd "$0" && { [ -f go.mod ] || go mod init sandpit/layer; } && go get "$@"',
            `${LAYER}/go`,
            ...setup.go,
          ],
          cwd: "/workspace",
        },
      ],
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
