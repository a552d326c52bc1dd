import { expect, test } from "@playwright/test";

test("home page renders with no console errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Code sandboxes you host yourself.");
  await expect(page.getByRole("link", { name: "Sandpit" })).toBeVisible();
  await expect(page.getByTestId("version")).toHaveText(/^v\d+\.\d+\.\d+$/);
  for (const language of ["Python", "Node.js", "TypeScript", "Go", "Deno", "Bash"]) {
    await expect(page.getByRole("radio", { name: language })).toBeAttached();
  }
  await expect(page.getByRole("button", { name: "Create session" })).toBeVisible();
  // The status card comes from a tRPC query against the real engines.
  await expect(page.getByTestId("system-status")).toHaveText("all systems ready", { timeout: 20_000 });
  await expect(page.getByText(/^Docker \d/)).toBeVisible();

  await page.screenshot({ path: "docs/screenshot-home.png" });
  expect(problems).toEqual([]);
});

test("switch between dark and light themes and keep the choice", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/");
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);

  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(html).toHaveClass(/dark/);
  await page.screenshot({ path: test.info().outputPath("home-dark.png") });

  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Switch to light theme" }).click();
  await expect(html).not.toHaveClass(/dark/);
});

test("health endpoint answers JSON with every check", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
  expect(body.status).toBe("ok");
  expect(Object.keys(body.checks).sort()).toEqual(["database", "docker", "image", "objectStore", "runtime", "setupNetwork"]);
});
