import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${port}`;
// Each run gets its own data folder, so tests never see a developer's sessions.
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "sandpit-e2e-"));
// Workers and the teardown read the configuration again: they use the same folder.
process.env.E2E_DATA_DIR = dataDir;

export default defineConfig({
  testDir: "e2e",
  globalTeardown: "./e2e/teardown.ts",
  outputDir: "test-results",
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  reporter: [["list"], ["json", { outputFile: ".reports/e2e.json" }]],
  use: {
    baseURL,
    trace: "on-first-retry",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: process.env.E2E_BASE_URL
    ? undefined
    : {
        command: `bash scripts/serve.sh -p ${port} -H 127.0.0.1`,
        url: `${baseURL}/api/health`,
        reuseExistingServer: false,
        timeout: 60_000,
        // A class warm-up here keeps at most 6 sandboxes ready (2 for new sessions): the browser tests share two cores.
        env: { SANDPIT_DATA_DIR: dataDir, LOG_LEVEL: "warn", SANDPIT_WARM_POOL_MAX: "6" },
      },
});
