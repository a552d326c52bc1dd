/** The languages a session can use, with their runner and editor mode. */
export const LANGUAGES = [
  { id: "python", label: "Python", monaco: "python", extension: "py" },
  { id: "node", label: "Node.js", monaco: "javascript", extension: "js" },
  { id: "typescript", label: "TypeScript", monaco: "typescript", extension: "ts" },
  { id: "go", label: "Go", monaco: "go", extension: "go" },
  { id: "deno", label: "Deno", monaco: "typescript", extension: "ts" },
  { id: "bash", label: "Bash", monaco: "shell", extension: "sh" },
] as const;

export type LanguageId = (typeof LANGUAGES)[number]["id"];

export const LANGUAGE_IDS = LANGUAGES.map((language) => language.id);

/** Names people and programs use for each language, ERA's aliases included. */
export const LANGUAGE_ALIASES: Record<string, LanguageId> = {
  python: "python",
  py: "python",
  python3: "python",
  node: "node",
  nodejs: "node",
  js: "node",
  javascript: "node",
  typescript: "typescript",
  ts: "typescript",
  go: "go",
  golang: "go",
  deno: "deno",
  bash: "bash",
  sh: "bash",
  shell: "bash",
};
