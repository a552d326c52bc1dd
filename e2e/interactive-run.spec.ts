import { expect, test } from "@playwright/test";

test("type a name into a running program and see the greeting", async ({ page }) => {
  await page.goto("/");
  await page.getByText("Python", { exact: true }).click();
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await page.locator(".monaco-editor").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText('name = input("What is your name? ")\nprint(f"Hello, {name}!")');
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "▶ Run" }).click();

  const console = page.getByTestId("run-console");
  // The prompt shows before any newline, while the program waits.
  await expect(console).toContainText("What is your name?", { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toContainText("running");
  const name = `Ada${Math.random().toString(36).slice(2, 6)}`;
  await console.click();
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  await expect(console).toContainText(`Hello, ${name}!`, { timeout: 15_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");
  await page.screenshot({ path: test.info().outputPath("interactive-run.png"), fullPage: true });
});
