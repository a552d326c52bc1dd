import { expect, test, type Browser, type Page } from "@playwright/test";
import { asPage, createSession, joinClass, putFile, setCode } from "./helpers";

/** A student in a browser of their own, in their copy with its main.py open and the editor ready. */
async function joinAs(browser: Browser, link: string, name: string): Promise<{ page: Page; copy: string }> {
  const page = await (await browser.newContext()).newPage();
  const copy = await joinClass(page, link, name);
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  return { page, copy };
}

test("a teacher publishes a template update: untouched copies get it, an edited file is kept and shown as a conflict", async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const template = await createSession(page);
  await putFile(page, template, "main.py", 'print("step 1")\n');
  const patched = await page.request.patch(`/api/sessions/${template}`, {
    data: { entry_file: "main.py" },
    headers: asPage(page),
  });
  expect(patched.status()).toBe(200);
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption("class");
  await page.getByRole("button", { name: "Create link" }).click();
  const link = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();

  const ada = await joinAs(browser, link, "Ada");
  const bo = await joinAs(browser, link, "Bo");
  // Bo works on the task in his editor; Ada does not touch it.
  await setCode(bo.page, 'print("Bo\'s answer")');
  await expect(bo.page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });

  // The teacher edits the template in the editor, and adds a file.
  await page.reload();
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await setCode(page, 'print("step 2")');
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await putFile(page, template, "hints.md", "Use a loop.\n");

  await page.getByTestId("share-panel").locator(":scope > summary").click();
  const panel = page.getByTestId("publish-update");
  await expect(panel.getByTestId("published-version")).toHaveText(/No update published yet/);
  await panel.getByRole("button", { name: "Publish update" }).click();
  await expect(panel.getByRole("group", { name: "Confirm publish" })).toContainText("Files a student edited are left alone");
  await panel.getByRole("button", { name: "Yes, publish" }).click();
  await expect(panel.getByTestId("publish-result")).toHaveText(
    "Version 1 published to 2 copies · 2 updated (3 files) · 1 conflict.",
    { timeout: 60_000 },
  );
  await expect(panel.getByTestId("published-version")).toContainText("Version 1 published at");

  // Ada's copy follows the template, live in her open editor; Bo keeps his own main.py and gets the new file.
  await expect(ada.page.locator(".monaco-editor").first()).toContainText('print("step 2")', { timeout: 15_000 });
  await expect(ada.page.getByRole("navigation", { name: "Workspace files" }).getByText("hints.md")).toBeVisible({
    timeout: 15_000,
  });
  await bo.page.reload();
  await expect(bo.page.locator(".monaco-editor").first()).toContainText('print("Bo\'s answer")', { timeout: 30_000 });
  await expect(bo.page.getByRole("navigation", { name: "Workspace files" }).getByText("hints.md")).toBeVisible();

  // The dashboard: Ada up to date; Bo's main.py a conflict, with its diff against the template.
  const list = page.getByTestId("class-forks");
  await expect(list.locator(`[data-copy="${ada.copy}"]`).getByTestId("copy-update-state")).toHaveText("up to date");
  const boRow = list.locator(`[data-copy="${bo.copy}"]`);
  await expect(boRow.getByTestId("copy-update-state")).toHaveText("1 conflict");
  await expect(boRow.getByTestId("copy-conflict")).toHaveText(/main\.py\s*left alone: the student edited it/);
  await boRow.getByRole("button", { name: "Diff of main.py for Bo" }).click();
  await expect(boRow.getByTestId("copy-changes")).toContainText('-print("step 2")');
  await expect(boRow.getByTestId("copy-changes")).toContainText('+print("Bo\'s answer")');
  // Tall enough for the whole class section to show at once.
  await page.setViewportSize({ width: 1100, height: 1600 });
  await page.locator('section[aria-labelledby="class-title"]').screenshot({ path: test.info().outputPath("class-update.png") });

  // A student cannot publish the class's template, by the API either.
  const refused = await bo.page.request.post(`/api/sessions/${template}/publish`, { headers: asPage(bo.page) });
  expect(refused.status()).toBe(404);
});
