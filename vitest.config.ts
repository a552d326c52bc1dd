import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig({
  resolve: {
    alias: {
      "@": root,
      // Modules under server/ declare themselves server-only; tests run on the server side.
      "server-only": path.join(root, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    env: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{server,lib,images,components,scripts,bench}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["{server,lib,images,scripts,bench,test}/**/*.int.test.ts"],
          // The agent's bundle; the second Docker engine the multi-node tests start is stopped at the end of the run.
          globalSetup: ["test/global-setup.ts", "test/global-second-engine.ts"],
          setupFiles: ["test/setup-integration.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
