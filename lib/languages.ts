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
