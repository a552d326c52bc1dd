import { expect, test, type Page } from "@playwright/test";
import { createSession, putFile } from "./helpers";

async function newSession(page: Page): Promise<string> {
  const id = await createSession(page);
  await putFile(page, id, "main.py", 'print("kept")\n');
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
  await page.locator("form").getByRole("button", { name: "Save" }).click();
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

test("a template's README.md shows as instructions beside the editor in every student's copy, as markdown only; the entry file opens first", async ({
  page,
  browser,
}) => {
  const id = await newSession(page);
  const origin = new URL(page.url()).origin;
  const readme = [
    "# Exercise 1: greetings",
    "",
    "Write a program that asks for a **name** and greets it.",
    "",
    "1. use `input()`",
    "2. print the greeting",
    "",
    "[Python docs](https://docs.python.org/3/) · [bad](javascript:alert(1))",
    "",
    '<img src="/api/limits" onerror="alert(1)"> ![pixel](/api/limits)',
  ].join("\n");
  const put = await page.request.put(`/api/sessions/${id}/files/README.md`, {
    data: readme,
    headers: { "content-type": "application/octet-stream", origin },
  });
  expect(put.status()).toBe(200);
  const patched = await page.request.patch(`/api/sessions/${id}`, { data: { entry_file: "main.py" }, headers: { origin } });
  expect(patched.status()).toBe(200);
  await page.reload();
  const instructions = page.getByTestId("instructions");
  await expect(instructions.getByRole("heading", { name: "Exercise 1: greetings" })).toBeVisible({ timeout: 30_000 });
  await expect(instructions.getByRole("listitem")).toHaveCount(2);
  await expect(instructions.getByRole("link", { name: "Python docs" })).toHaveAttribute("target", "_blank");
  await expect(instructions.locator("img")).toHaveCount(0);
  expect(await instructions.getByText("bad", { exact: true }).getAttribute("href")).not.toContain("javascript");
  await page.screenshot({ path: test.info().outputPath("instructions.png") });

  // A student's copy carries them.
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption("class");
  await page.getByRole("button", { name: "Create link" }).click();
  const link = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();
  const student = await (await browser.newContext()).newPage();
  await student.goto(link);
  await student.getByLabel("Your name").fill("Lin");
  await student.getByRole("button", { name: "Join the class" }).click();
  await student.waitForURL(/\/s\/[^/]+$/, { timeout: 30_000 });
  await expect(student.getByTestId("instructions").getByRole("heading", { name: "Exercise 1: greetings" })).toBeVisible({
    timeout: 30_000,
  });
  // The exercise is open, not the scratch buffer.
  await expect(student.getByTestId("open-file")).toContainText("main.py");
  await expect(student.locator(".monaco-editor").first()).toContainText('print("kept")');
});
