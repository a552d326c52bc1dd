import { expect, test } from "@playwright/test";

test("show the API page generated from the OpenAPI document", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "API" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sandpit API");
  await expect(page.getByRole("heading", { name: "post /api/sessions", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "post /api/sessions/{id}/run", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "post /api/sessions/{id}/runs/{run}/stdin", exact: true })).toBeVisible();
  const create = page
    .getByRole("article")
    .filter({ has: page.getByRole("heading", { name: "post /api/sessions", exact: true }) });
  await expect(create.getByRole("cell", { name: "language", exact: true })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("api-docs.png"), fullPage: false });
});
