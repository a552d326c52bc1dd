import { defineLanguage, interpreted } from "./types";

export const bash = defineLanguage({
  id: "bash",
  label: "Bash",
  aliases: ["sh", "shell"],
  extensions: ["sh", "bash"],
  monaco: "shell",
  starter: 'echo "Hello from $(bash --version | head -1)"\n',
  ...interpreted((file) => ["bash", file], "sh"),
});
