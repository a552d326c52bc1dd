import { expect, test } from "@playwright/test";
import { createSession, putFile, setCode } from "./helpers";

test("files open in tabs that survive a reload; closing a tab saves it and opens the next", async ({ page }) => {
  const id = await createSession(page);
  // A new session opens its starter file; this test starts from its own files.
  await page.getByRole("list", { name: "Open files" }).getByRole("button", { name: "Close main.py" }).click();
  await putFile(page, id, "one.py", 'print("one")\n');
  await putFile(page, id, "two.py", 'print("two")\n');
  await page.reload();
  const tree = page.getByRole("navigation", { name: "Workspace files" });
  const tabs = page.getByRole("list", { name: "Open files" });
  await tree.getByText("one.py", { exact: true }).click();
  await tree.getByText("two.py", { exact: true }).click();
  await expect(tabs.getByTestId("file-tab")).toHaveCount(2);
  await expect(page.getByTestId("open-file")).toHaveText("two.py");

  // Back to the first tab: its text is as it was; an edit there is marked, then saved on close.
  await tabs.getByRole("button", { name: "one.py", exact: true }).click();
  await expect(page.locator(".monaco-editor").first()).toContainText('print("one")');
  await setCode(page, 'print("one, edited")');
  await tabs.getByRole("button", { name: "Close one.py" }).click();
  await expect(tabs.getByTestId("file-tab")).toHaveCount(1);
  await expect(page.getByTestId("open-file")).toHaveText("two.py");
  const saved = await page.request.get(`/api/sessions/${id}/files/one.py`, { headers: { origin: new URL(page.url()).origin } });
  expect(await saved.text()).toBe('print("one, edited")');

  // A reload brings back the tabs and the file that was open.
  await tree.getByText("one.py", { exact: true }).click();
  await tabs.getByRole("button", { name: "two.py", exact: true }).click();
  await page.reload();
  await expect(page.getByTestId("open-file")).toHaveText("two.py", { timeout: 30_000 });
  await expect(tabs.getByTestId("file-tab")).toHaveCount(2);
  await expect(tabs.getByTestId("file-tab").first()).toHaveAttribute("data-path", "two.py");
  await page.screenshot({ path: test.info().outputPath("tabs.png") });
});
