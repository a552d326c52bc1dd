import { defineLanguage, interpreted } from "./types";

export const node = defineLanguage({
  id: "node",
  label: "Node.js",
  aliases: ["nodejs", "js", "javascript"],
  extensions: ["js", "mjs", "cjs"],
  monaco: "javascript",
  starter: "console.log(`Hello from Node.js ${process.version}`);\n",
  setupEnv: { NPM_CONFIG_CACHE: "/tmp/npm-cache" },
  // npm packages (TypeScript's too) land in the layer's node_modules.
  packages: {
    manager: "npm",
    install: (packages, layer, { packageJson }) => [
      {
        argv: [
          "npm",
          "install",
          "--prefix",
          `${layer}/node`,
          "--no-audit",
          "--no-fund",
          "--no-update-notifier",
          "--loglevel",
          "warn",
          // A given package.json brings its own dependencies.
          ...(packageJson ? [] : packages),
        ],
        cwd: "/workspace",
        files: [
          {
            path: `${layer}/node/package.json`,
            text: `${JSON.stringify({ ...packageJson, name: "sandpit-layer", private: true }, null, 2)}\n`,
          },
        ],
      },
    ],
  },
  ...interpreted((file) => ["node", file], "js"),
});
