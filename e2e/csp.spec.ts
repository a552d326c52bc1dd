import { expect, test, type Page } from "@playwright/test";

/** Collects every Content-Security-Policy violation a page reports, from the first script on. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation;
      report(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test("the IDE works under the CSP: editor, run output, terminal and API page, with no violation", async ({ page }) => {
  const violations = await watchViolations(page);
  const response = await page.goto("/");
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await page.getByText("Python", { exact: true }).click();
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  // Monaco (loaded from /monaco, its workers from blob: URLs) is up and takes text.
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await page.locator(".monaco-editor").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText('print("under the policy")');
  await page.keyboard.press("Escape");
  // A run: started with a POST, its output followed over server-sent events.
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("under the policy", { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");
  // xterm in a terminal tab.
  await page.getByRole("button", { name: "+ Terminal" }).click();
  const terminal = page.locator('[data-testid^="terminal-"]').first();
  await expect(terminal).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await terminal.click();
  await page.keyboard.type("echo term-$((6*7))\n");
  await expect(terminal.locator(".xterm-rows")).toContainText("term-42", { timeout: 10_000 });

  await page.goto("/api-docs");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sandpit API");
  expect(violations).toEqual([]);
});

test("a page cannot be framed by another site; an embed page can", async ({ page }) => {
  const pageHeaders = (await page.request.get("/")).headers();
  expect(pageHeaders["x-frame-options"]).toBe("DENY");
  const embedHeaders = (await page.request.get("/embed/no-such-link")).headers();
  expect(embedHeaders["content-security-policy"]).toContain("frame-ancestors *");
  expect(embedHeaders["x-frame-options"]).toBeUndefined();
});
