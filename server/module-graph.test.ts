import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cruise, type ICruiseOptions, type ICruiseResult, type IModule } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCES = ["server", "lib", "app", "components", "scripts"];
const TESTS = /\.(int\.)?test\.tsx?$/;

/**
 * Cycles between the entries (folders and files) of one folder: an import from a/x/f.ts to a/y/g.ts
 * is an edge x → y inside a/. A folder importing its own subfolder and back (a composition root, a
 * router folder and its init file) is no cycle; two sibling folders importing each other are.
 */
function folderCycles(modules: IModule[], options: { ignore?: (from: string) => boolean } = {}): string[][] {
  const graphs = new Map<string, Map<string, Set<string>>>();
  for (const entry of modules) {
    if (entry.coreModule || options.ignore?.(entry.source)) continue;
    for (const dependency of entry.dependencies) {
      if (dependency.coreModule || dependency.couldNotResolve || dependency.resolved.includes("node_modules")) continue;
      const from = entry.source.split("/");
      const to = dependency.resolved.split("/");
      let common = 0;
      while (common < Math.min(from.length, to.length) - 1 && from[common] === to[common]) common++;
      const parent = from.slice(0, common).join("/");
      const [a, b] = [from.slice(0, common + 1).join("/"), to.slice(0, common + 1).join("/")];
      if (a === b) continue;
      const graph = graphs.get(parent) ?? new Map<string, Set<string>>();
      graphs.set(parent, graph);
      graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
  }
  return [...graphs.values()].flatMap(stronglyConnected).sort((x, y) => String(x).localeCompare(String(y)));
}

/** Tarjan's strongly connected components with more than one member, each sorted. */
function stronglyConnected(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.lastIndexOf(node));
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

async function cruiseAt(baseDir: string, sources: string[], extra: Partial<ICruiseOptions> = {}): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(path.join(ROOT, ".dependency-cruiser.mjs"));
  const tsConfig = extractTSConfig(path.join(ROOT, "tsconfig.json"));
  // Modules are named relative to baseDir, as the rules' paths expect.
  const result = await cruise(sources, { ...options, ...extra, baseDir, validate: true }, {}, { tsConfig });
  return result.output as ICruiseResult;
}

function describeViolations(result: ICruiseResult): string[] {
  return result.summary.violations.map(
    (violation) =>
      `${violation.rule.name}: ${violation.from} → ${violation.cycle?.map((step) => step.name).join(" → ") ?? violation.to}`,
  );
}

describe("the module graph", () => {
  let project: ICruiseResult;
  beforeAll(async () => {
    project = await cruiseAt(ROOT, SOURCES);
  }, 120_000);

  it("has no file cycles and keeps every layer rule of .dependency-cruiser.mjs", () => {
    expect(project.summary.totalCruised).toBeGreaterThan(100);
    expect(describeViolations(project)).toEqual([]);
  });

  it("has no cycles between folders (test files left out: they reach across layers on purpose)", () => {
    // The one crossing allowed: the tRPC client names the router's type (lib/trpc → server/api/root.ts),
    // erased at build; .dependency-cruiser.mjs allows nothing else from lib/ to server/.
    const modules = project.modules.map((entry) =>
      entry.source.startsWith("lib/trpc/")
        ? { ...entry, dependencies: entry.dependencies.filter((d) => d.resolved !== "server/api/root.ts") }
        : entry,
    );
    expect(folderCycles(modules, { ignore: (from) => TESTS.test(from) })).toEqual([]);
  });
});

describe("the checks", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sandpit-graph-"));
    const files: Record<string, string> = {
      // sandbox → setup → sandbox: no file cycle, but a folder cycle and a layer broken.
      "server/sandbox/manager.ts": 'import type { Cache } from "../setup/cache";\nexport type Manager = { cache: Cache };\n',
      "server/setup/cache.ts": 'import type { Driver } from "../sandbox/driver";\nexport type Cache = { driver: Driver };\n',
      "server/sandbox/driver.ts": "export type Driver = { id: string };\n",
      // a file cycle
      "server/sessions/a.ts": 'import { b } from "./b";\nexport const a = (): number => b() + 1;\n',
      "server/sessions/b.ts": 'import { a } from "./a";\nexport const b = (): number => a() - 1;\n',
      // REST taking tRPC's folder
      "server/rest/http.ts": 'import { toTRPCError } from "../api/errors";\nexport const http = toTRPCError;\n',
      "server/api/errors.ts": "export const toTRPCError = (error: unknown): unknown => error;\n",
      // the shared lib reaching into the server
      "lib/schemas.ts": 'import { a } from "../server/sessions/a";\nexport const schemas = a;\n',
    };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("catch a file cycle, a folder cycle and imports against the layers", async () => {
    const result = await cruiseAt(dir, ["server", "lib"], { tsConfig: undefined });
    const rules = result.summary.violations.map((violation) => `${violation.rule.name} ${violation.from}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        "no-circular server/sessions/a.ts",
        "sandbox-below-sessions server/sandbox/manager.ts",
        "transports-apart server/rest/http.ts",
        "lib-is-shared lib/schemas.ts",
      ]),
    );
    expect(folderCycles(result.modules)).toEqual([
      ["server/sandbox", "server/setup"],
      ["server/sessions/a.ts", "server/sessions/b.ts"],
    ]);
  });
});
