// Copies Monaco's prebuilt files into public/monaco, so the editor is served by Sandpit itself
// (no CDN: it works offline and self-hosted). Runs before every build and dev server.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const source = path.join("node_modules", "monaco-editor", "min", "vs");
const target = path.join("public", "monaco", "vs");
const stamp = path.join("public", "monaco", ".version");
const version = JSON.parse(readFileSync(path.join("node_modules", "monaco-editor", "package.json"), "utf8")).version;
if (existsSync(stamp) && readFileSync(stamp, "utf8") === version) process.exit(0);
rmSync(path.join("public", "monaco"), { recursive: true, force: true });
cpSync(source, target, { recursive: true });
writeFileSync(stamp, version);
console.log(`[monaco] copied monaco-editor ${version} to ${target}`);
