import { z } from "zod";
import { ENV_NAME_PATTERN, SETUP_LIMITS } from "@/lib/limits";

const PIP_VERSION = String.raw`(?:===|==|>=|<=|~=|!=|>|<)\s*[A-Za-z0-9.*+!_-]+`;
/** A PEP 508 requirement without URLs or markers: name, optional extras, optional version specifiers. */
export const PIP_REQUIREMENT = new RegExp(
  String.raw`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\s*\[\s*[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*\s*\])?(?:\s*${PIP_VERSION}(?:\s*,\s*${PIP_VERSION})*)?$`,
);
/** An npm package name (optionally scoped) with an optional version, range or tag. */
export const NPM_PACKAGE = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(?:@[A-Za-z0-9.^~<>=|*+ x-]+)?$/;
/** A Go module path with an optional version or query (`@v1.2.3`, `@latest`). */
export const GO_MODULE = /^[a-z0-9][a-z0-9.-]*(?:\.[a-z0-9-]+)*(?::\d+)?(?:\/[A-Za-z0-9._~+-]+)*(?:@[A-Za-z0-9._+-]+)?$/;

function packageEntry(pattern: RegExp, ecosystem: string, example: string): z.ZodString {
  return z
    .string()
    .trim()
    .min(1, `${ecosystem} package names cannot be empty`)
    .max(SETUP_LIMITS.specLength, `${ecosystem} package specs are limited to ${SETUP_LIMITS.specLength} characters`)
    .refine((value) => !value.startsWith("-"), { error: `${ecosystem} packages cannot be options (they start with "-")` })
    .refine((value) => pattern.test(value), {
      error: (issue) =>
        `"${String(issue.input)}" is not a valid ${ecosystem} package; use a name with an optional version, like ${example}`,
    });
}

export const pipPackage = packageEntry(PIP_REQUIREMENT, "pip", "requests or requests>=2.28");
export const npmPackage = packageEntry(NPM_PACKAGE, "npm", "lodash or lodash@^4.17.0");
export const goModule = packageEntry(GO_MODULE, "Go", "github.com/google/uuid@v1.6.0");

/** Requirement lines of a requirements.txt: comments and blank lines allowed, options refused. */
export function requirementLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

const requirements = z
  .string()
  .max(SETUP_LIMITS.requirementsLength, `requirements are limited to ${SETUP_LIMITS.requirementsLength} characters`)
  .superRefine((text, ctx) => {
    const lines = requirementLines(text);
    if (lines.length > SETUP_LIMITS.packages)
      ctx.addIssue({ code: "custom", message: `at most ${SETUP_LIMITS.packages} requirements` });
    lines.forEach((line, index) => {
      const parsed = pipPackage.safeParse(line);
      if (!parsed.success)
        ctx.addIssue({ code: "custom", message: `line ${index + 1}: ${parsed.error.issues[0]?.message ?? "invalid"}` });
    });
  });

const versionMap = z
  .record(
    z.string(),
    z
      .string()
      .regex(/^[A-Za-z0-9.^~<>=|*+ x-]{1,100}$/, "dependency versions must be versions, ranges or tags (no URLs or paths)"),
  )
  .superRefine((value, ctx) => {
    for (const name of Object.keys(value).filter((n) => !/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(n))) {
      ctx.addIssue({ code: "custom", path: [name], message: `"${name}" is not an npm package name` });
    }
  });

const packageJson = z
  .object({ dependencies: versionMap.optional(), devDependencies: versionMap.optional() })
  .loose()
  .refine((value) => JSON.stringify(value).length <= SETUP_LIMITS.packageJsonLength, {
    error: `package_json is limited to ${SETUP_LIMITS.packageJsonLength} characters`,
  })
  .refine((value) => Object.keys({ ...value.dependencies, ...value.devDependencies }).length <= SETUP_LIMITS.packages, {
    error: `package_json may name at most ${SETUP_LIMITS.packages} dependencies`,
  });

/** For "a list or an object" fields: report the problem of the branch the input was meant for. */
function explainUnion(fallback: string) {
  return (issue: { code?: string; errors?: Array<Array<{ code: string; path: PropertyKey[]; message: string }>> }): string => {
    if (issue.code !== "invalid_union") return fallback;
    const meant = (issue.errors ?? []).find(
      (branch) => !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0),
    );
    const first = meant?.[0];
    if (!first) return fallback;
    return first.path.length > 0 ? `${first.path.map(String).join(".")}: ${first.message}` : first.message;
  };
}

/** The setup of a session: packages per ecosystem, shell commands, and setup-only env vars. */
export const setupSpecSchema = z
  .object({
    pip: z
      .union(
        [
          z.array(pipPackage).max(SETUP_LIMITS.packages, `at most ${SETUP_LIMITS.packages} pip packages`),
          z.object({ requirements }).strict(),
        ],
        { error: explainUnion('pip must be a list of packages or { "requirements": "…" }') },
      )
      .optional(),
    npm: z
      .union(
        [
          z.array(npmPackage).max(SETUP_LIMITS.packages, `at most ${SETUP_LIMITS.packages} npm packages`),
          z.object({ package_json: packageJson }).strict(),
        ],
        { error: explainUnion('npm must be a list of packages or { "package_json": { … } }') },
      )
      .optional(),
    go: z.array(goModule).max(SETUP_LIMITS.goModules, `at most ${SETUP_LIMITS.goModules} Go modules`).optional(),
    commands: z
      .array(
        z
          .string()
          .min(1, "commands cannot be empty")
          .max(SETUP_LIMITS.commandLength, `commands are limited to ${SETUP_LIMITS.commandLength} characters`)
          .refine((value) => !value.includes("\0"), { error: "commands cannot contain NUL bytes" }),
      )
      .max(SETUP_LIMITS.commands, `at most ${SETUP_LIMITS.commands} commands`)
      .optional(),
    envs: z
      .record(
        z.string(),
        z.string().max(SETUP_LIMITS.envValueLength, `env values are limited to ${SETUP_LIMITS.envValueLength} characters`),
      )
      .superRefine((value, ctx) => {
        const names = Object.keys(value);
        if (names.length > SETUP_LIMITS.envs) ctx.addIssue({ code: "custom", message: `at most ${SETUP_LIMITS.envs} envs` });
        for (const name of names.filter((n) => !ENV_NAME_PATTERN.test(n))) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `"${name}": env names use letters, digits and _ and do not start with a digit`,
          });
        }
      })
      .optional(),
  })
  .strict();

export type SetupSpec = z.infer<typeof setupSpecSchema>;

export interface NormalizedSetup {
  pip: string[];
  npm: string[];
  go: string[];
  commands: string[];
  envs: Array<[string, string]>;
}

/** The spec in one canonical form: equivalent specs normalize (and so hash) the same. */
export function normalizeSetup(spec: SetupSpec): NormalizedSetup {
  const pip = Array.isArray(spec.pip) ? spec.pip : spec.pip ? requirementLines(spec.pip.requirements) : [];
  let npm: string[] = [];
  if (Array.isArray(spec.npm)) npm = spec.npm;
  else if (spec.npm) {
    const { dependencies = {}, devDependencies = {} } = spec.npm.package_json;
    npm = Object.entries({ ...devDependencies, ...dependencies }).map(([name, version]) => `${name}@${version}`);
  }
  const unique = (values: string[]): string[] => [...new Set(values.map((v) => v.replace(/\s+/g, "")))].sort();
  return {
    pip: unique(pip),
    npm: unique(npm),
    go: unique(spec.go ?? []),
    commands: spec.commands ?? [],
    envs: Object.entries(spec.envs ?? {}).sort(([a], [b]) => a.localeCompare(b)),
  };
}

export function isEmptySetup(setup: NormalizedSetup): boolean {
  return setup.pip.length + setup.npm.length + setup.go.length + setup.commands.length === 0;
}
