import { expect, test, type Page } from "@playwright/test";

async function newSession(page: Page): Promise<string> {
  await page.goto("/");
  await page.getByText("Python", { exact: true }).click();
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  const id = decodeURIComponent(page.url().split("/s/")[1] ?? "");
  const origin = new URL(page.url()).origin;
  const put = await page.request.put(`/api/sessions/${id}/files/main.py`, {
    data: 'print("kept")\n',
    headers: { "content-type": "application/octet-stream", origin },
  });
  expect(put.status()).toBe(200);
  return id;
}

test("a session is named, renamed, duplicated and deleted from its page", async ({ page }) => {
  const id = await newSession(page);
  const title = page.getByTestId("session-title");
  await expect(title).toHaveText(id);

  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("Session name").fill("x".repeat(80) + "y");
  await expect(page.getByLabel("Session name")).toHaveValue("x".repeat(80));
  await page.getByLabel("Session name").fill("My first program");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(title).toHaveText("My first program");
  await page.reload();
  await expect(title).toHaveText("My first program");
  await page.screenshot({ path: test.info().outputPath("named.png") });
  await page.goto("/");
  await expect(page.getByRole("link", { name: /My first program/ })).toBeVisible();

  // Duplicate: a new session with the same files, its own id.
  await page.goto(`/s/${id}`);
  await page.getByRole("button", { name: "Duplicate" }).click();
  await page.waitForURL((url) => url.pathname.startsWith("/s/") && !url.pathname.endsWith(`/s/${id}`));
  const copy = decodeURIComponent(page.url().split("/s/")[1] ?? "");
  await expect(
    page
      .getByRole("treeitem", { name: /main\.py/ })
      .or(page.getByText("main.py", { exact: true }))
      .first(),
  ).toBeVisible({
    timeout: 30_000,
  });

  // Delete asks first; Cancel keeps it; confirming deletes it and goes home.
  await page.getByRole("button", { name: "Delete this session" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("button", { name: "Delete this session" }).click();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  const origin = new URL(page.url()).origin;
  expect((await page.request.get(`/api/sessions/${copy}`, { headers: { origin } })).status()).toBe(404);
  expect((await page.request.get(`/api/sessions/${id}`, { headers: { origin } })).status()).toBe(200);
});

test("a missing session says so on the first answer, without asking again", async ({ page }) => {
  let asked = 0;
  page.on("request", (request) => {
    if (request.url().includes("/api/trpc/") && request.url().includes("sessions.get")) asked++;
  });
  await page.goto("/s/no-such-session-here");
  await expect(page.getByRole("heading", { name: "This session cannot be opened" })).toBeVisible();
  await expect(page.getByText(/session no-such-session-here does not exist/)).toBeVisible();
  // Query retries would have asked four times before showing the error.
  expect(asked).toBe(1);
});
