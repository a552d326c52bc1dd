import type { LanguageId } from "./languages";

/** What a new session's editor shows first. */
export const STARTER_CODE: Record<LanguageId, string> = {
  python: 'import sys\n\nprint(f"Hello from Python {sys.version_info.major}.{sys.version_info.minor}")\n',
  node: "console.log(`Hello from Node.js ${process.version}`);\n",
  typescript: 'const greet = (name: string): string => `Hello, ${name}!`;\n\nconsole.log(greet("TypeScript"));\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello from Go")\n}\n',
  deno: "console.log(`Hello from Deno ${Deno.version.deno}`);\n",
  bash: 'echo "Hello from $(bash --version | head -1)"\n',
};

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
