import type { LanguageId } from "./languages";

const BY_EXTENSION: Record<string, LanguageId> = {
  py: "python",
  js: "node",
  mjs: "node",
  cjs: "node",
  ts: "typescript",
  mts: "typescript",
  go: "go",
  sh: "bash",
  bash: "bash",
};
const MONACO: Record<string, string> = {
  py: "python",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  ts: "typescript",
  mts: "typescript",
  go: "go",
  sh: "shell",
  bash: "shell",
  json: "json",
  md: "markdown",
  html: "html",
  css: "css",
  yml: "yaml",
  yaml: "yaml",
  toml: "ini",
  txt: "plaintext",
};

const extension = (path: string): string => path.split(".").at(-1)?.toLowerCase() ?? "";

/** The runner for a file: by its extension (a .ts file in a Deno session runs with Deno). */
export function languageForFile(path: string, sessionLanguage: LanguageId): LanguageId | undefined {
  const language = BY_EXTENSION[extension(path)];
  if (language === "typescript" && sessionLanguage === "deno") return "deno";
  return language;
}

export function monacoLanguage(path: string): string {
  return MONACO[extension(path)] ?? "plaintext";
}
