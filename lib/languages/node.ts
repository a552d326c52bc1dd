import { defineLanguage, interpreted } from "./types";

export const node = defineLanguage({
  id: "node",
  label: "Node.js",
  aliases: ["nodejs", "js", "javascript"],
  extensions: ["js", "mjs", "cjs"],
  monaco: "javascript",
  starter: "console.log(`Hello from Node.js ${process.version}`);\n",
  setupEnv: { NPM_CONFIG_CACHE: "/tmp/npm-cache" },
  ...interpreted((file) => ["node", file], "js"),
});
