import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { createSession, setCode } from "./helpers";

/** axe-core's serious and critical findings on the page as it is now, one line each. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${violation.id} (${violation.impact}) at ${node.target.join(" ")}: ${node.failureSummary?.replace(/\s+/g, " ")}`,
      ),
    );
}

for (const theme of ["light", "dark"] as const) {
  test(`no serious or critical accessibility findings on the home page, a session and the API page (${theme})`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto("/");
    expect(await violations(page)).toEqual([]);

    await createSession(page);
    await setCode(page, 'print("hello")');
    await page.getByRole("button", { name: "▶ Run" }).click();
    await expect(page.getByTestId("run-status")).toContainText("exit 0", { timeout: 30_000 });
    await page.getByRole("button", { name: "+ Terminal" }).click();
    await expect(page.locator('[data-testid^="terminal-"]').first()).toHaveAttribute("data-state", "connected", {
      timeout: 30_000,
    });
    expect(await violations(page)).toEqual([]);

    await page.goto("/api-docs");
    expect(await violations(page)).toEqual([]);
  });
}

test("Ctrl+Enter runs from outside the editor, ? lists the shortcuts, and Tab can leave the editor", async ({ page }) => {
  await createSession(page);
  await setCode(page, 'print("from the keyboard")');
  // The editor says how to leave it; Ctrl+M makes Tab move the focus out.
  const input = page.locator('.monaco-editor [aria-label*="Ctrl+M makes Tab move the focus out"]').first();
  await expect(input).toHaveCount(1);
  await input.focus();
  await page.keyboard.press("Control+M");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.closest(".monaco-editor") === null)).toBe(true);
  await page.keyboard.press("Control+M"); // back to Tab indenting, as Monaco keeps the mode

  await page.getByTestId("session-title").click();
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page.getByTestId("run-console")).toContainText("from the keyboard", { timeout: 30_000 });

  await page.getByTestId("session-title").click();
  await page.keyboard.press("?");
  const sheet = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(sheet).toBeVisible();
  await expect(sheet).toContainText("Run (anywhere on the page)");
  await page.keyboard.press("Escape");
  await expect(sheet).toBeHidden();
});
