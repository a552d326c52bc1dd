import { LANGUAGES, type LanguageId } from "./languages";

/** Modes for files no language runs. */
const OTHER_MONACO: Record<string, string> = {
  h: "c",
  hpp: "cpp",
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

/**
 * The runner for a file, by its extension: the session's own language when it runs that extension
 * (a .ts file in a Deno session runs with Deno), else the first language that does.
 */
export function languageForFile(path: string, sessionLanguage: LanguageId): LanguageId | undefined {
  const ext = extension(path);
  const runs = LANGUAGES.filter((language) => language.extensions.includes(ext));
  return (runs.find((language) => language.id === sessionLanguage) ?? runs[0])?.id;
}

export function monacoLanguage(path: string): string {
  const ext = extension(path);
  return LANGUAGES.find((language) => language.extensions.includes(ext))?.monaco ?? OTHER_MONACO[ext] ?? "plaintext";
}
