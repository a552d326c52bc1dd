import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser } from "@playwright/test";
import Dockerode from "dockerode";
import pg from "pg";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "../test/cleanup";
import { setCode } from "./helpers";

// Two Sandpit nodes of their own on one PostgreSQL (the ports after the sign-in test's). The
// browser only ever talks to node B; B has no room, so every session's sandbox runs on node A, and
// what the IDE does (tRPC calls, run streams, terminals) reaches A through B.
const base = Number(process.env.E2E_PORT ?? 3100);
const ports = [base + 2, base + 3];
const urls = ports.map((port) => `http://127.0.0.1:${port}`);
const folders = [tempDataDir("sandpit-e2e-node-"), tempDataDir("sandpit-e2e-node-")];
const servers: ChildProcess[] = [];
const database = `sandpit_e2e_${randomBytes(4).toString("hex")}`;
let databaseUrl = "";

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  if (!process.env.TEST_DATABASE_URL)
    throw new Error(
      "this test needs PostgreSQL: export TEST_DATABASE_URL=$(bash scripts/ensure-postgres.sh) (npm test does this)",
    );
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const target = new URL(process.env.TEST_DATABASE_URL);
  target.pathname = `/${database}`;
  databaseUrl = target.toString();
  // Nodes share owner-secret: the browser's owner cookie, set by B, means the same on A.
  const secret = randomBytes(32).toString("hex");
  for (const [i, folder] of folders.entries()) {
    writeFileSync(path.join(folder, "owner-secret"), secret, { mode: 0o600 });
    servers.push(
      spawn("bash", [path.resolve("scripts/serve.sh"), "-p", String(ports[i]), "-H", "127.0.0.1"], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          SANDPIT_DATA_DIR: folder,
          SANDPIT_HEARTBEAT_INTERVAL: "1s",
          SANDPIT_WARM_POOL: "0",
          LOG_LEVEL: "warn",
        },
        stdio: "inherit",
      }),
    );
    await expect
      .poll(
        () =>
          fetch(`${urls[i]}/api/health`).then(
            (response) => response.status,
            () => 0,
          ),
        { timeout: 60_000 },
      )
      .toBe(200);
  }
  // B offers no room: sessions nobody runs go to A.
  await query("update nodes set capacity = 0 where address = $1", [urls[1]]);
});

test.afterAll(async () => {
  for (const server of servers) {
    const exited = once(server, "exit");
    server.kill("SIGTERM");
    await exited;
  }
  for (const folder of folders) {
    await removeSandboxesOf(new Dockerode(), folder);
    await removeDataDir(folder);
  }
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

async function pageOnB(browser: Browser) {
  const context = await browser.newContext({ baseURL: urls[1] });
  return context.newPage();
}

test("a browser on one node works in a session that runs on another: editor, runs and a terminal", async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await pageOnB(browser);
  await page.goto("/");
  await page.getByRole("radio", { name: "Python", exact: true }).check({ force: true });
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  const id = decodeURIComponent(page.url().split("/s/")[1] ?? "");

  await setCode(page, 'import socket\nprint("ran on", socket.gethostname() != "", 6 * 7)');
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("ran on True 42", { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");

  await page.getByRole("button", { name: "+ Terminal" }).click();
  const terminal = page.locator('[data-testid^="terminal-"]').first();
  await expect(terminal).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await terminal.click();
  await page.keyboard.type("echo relayed-$((6*7)) > /workspace/from-terminal.txt; cat /workspace/from-terminal.txt\n");
  await expect(terminal.locator(".xterm-rows")).toContainText("relayed-42", { timeout: 15_000 });
  // The file tree, read through B, shows what the terminal wrote on A.
  const tree = page.getByRole("navigation", { name: "Workspace files" });
  await expect(tree.getByText("from-terminal.txt", { exact: true })).toBeVisible({ timeout: 15_000 });
  await page.screenshot({ path: test.info().outputPath("two-nodes.png") });

  // The sandbox runs on A alone, which holds the session's lease.
  const [a] = await query<{ id: string }>("select id from nodes where address = $1", [urls[0]]);
  const leases = await query<{ node_id: string }>("select node_id from session_leases where session_id = $1", [id]);
  expect(leases.map((lease) => lease.node_id)).toEqual([a?.id]);
  const containers = await new Dockerode().listContainers({
    filters: { label: [`dev.sandpit.session=${id}`], status: ["running"] },
  });
  expect(containers.map((container) => container.Labels["dev.sandpit.node"])).toEqual([a?.id]);
});
