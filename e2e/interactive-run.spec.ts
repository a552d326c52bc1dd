import { expect, test } from "@playwright/test";
import { createSession, setCode } from "./helpers";

test("type a name into a running program and see the greeting", async ({ page }) => {
  await createSession(page);
  await setCode(page, 'name = input("What is your name? ")\nprint(f"Hello, {name}!")');
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
