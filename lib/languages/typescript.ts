import { defineLanguage, interpreted } from "./types";

export const typescript = defineLanguage({
  id: "typescript",
  label: "TypeScript",
  aliases: ["ts"],
  extensions: ["ts", "mts"],
  monaco: "typescript",
  starter: 'const greet = (name: string): string => `Hello, ${name}!`;\n\nconsole.log(greet("TypeScript"));\n',
  ...interpreted((file) => ["tsx", file], "ts"),
});
