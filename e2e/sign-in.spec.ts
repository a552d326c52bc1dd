import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import Dockerode from "dockerode";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "../test/cleanup";
import { startOidcProvider, type TestOidcProvider } from "../test/oidc-provider";

// A Sandpit of its own (the built app, on the next port) with sign-in through a real OpenID Connect
// provider: oidc-provider on a loopback port, with its development login form.

const port = Number(process.env.E2E_PORT ?? 3100) + 1;
const url = `http://127.0.0.1:${port}`;
const dataDir = tempDataDir("sandpit-e2e-oidc-");
let idp: TestOidcProvider;
let server: ChildProcess;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  idp = await startOidcProvider();
  idp.serve(`${url}/auth/callback`);
  server = spawn("bash", [path.resolve("scripts/serve.sh"), "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, ...idp.env, SANDPIT_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: "inherit",
  });
  await expect
    .poll(
      () =>
        fetch(`${url}/api/health`).then(
          (response) => response.status,
          () => 0,
        ),
      { timeout: 60_000 },
    )
    .toBe(200);
});

test.afterAll(async () => {
  const exited = once(server, "exit");
  server.kill("SIGTERM");
  await exited;
  await idp[Symbol.asyncDispose]();
  await removeSandboxesOf(new Dockerode(), dataDir);
  await removeDataDir(dataDir);
});

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

async function signIn(page: Page, login: string): Promise<void> {
  await page.getByRole("link", { name: "Sign in with School" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(`Student ${login}`);
}

test("sign in and find the sessions on another browser", async ({ browser }) => {
  const id = `signin-${Math.random().toString(36).slice(2, 10)}`;
  const laptop = await freshPage(browser);
  await laptop.goto(`${url}/`);
  const created = await laptop.request.post(`${url}/api/sessions`, {
    data: { language: "python", session_id: id },
    headers: { origin: url },
  });
  expect(created.status()).toBe(201);
  await laptop.reload();
  await expect(laptop.locator(`a[href="/s/${id}"]`)).toBeVisible();

  await signIn(laptop, "alice");
  await expect(laptop).toHaveURL(`${url}/`);
  await expect(laptop.locator(`a[href="/s/${id}"]`)).toBeVisible();

  const phone = await freshPage(browser);
  await phone.goto(`${url}/`);
  await expect(phone.locator(`a[href="/s/${id}"]`)).toHaveCount(0);
  await signIn(phone, "alice");
  await expect(phone.locator(`a[href="/s/${id}"]`)).toBeVisible();

  await phone.getByRole("button", { name: "Sign out" }).click();
  await expect(phone.getByRole("link", { name: "Sign in with School" })).toBeVisible();
  await expect(phone.locator(`a[href="/s/${id}"]`)).toHaveCount(0);
});
