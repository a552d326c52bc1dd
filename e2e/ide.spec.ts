import { expect, test } from "@playwright/test";
import { createSession, rand, setCode } from "./helpers";

test("create a node session with an npm package and run code that uses it", async ({ page }) => {
  await createSession(page, "Node.js", async (p) => {
    const npm = p.getByLabel("npm packages");
    await npm.fill("ms@2.1.3");
    await npm.press("Enter");
    await expect(p.getByRole("button", { name: "Remove ms@2.1.3" })).toBeVisible();
  });
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 120_000 });
  await expect(panel.getByText("npm", { exact: true })).toBeVisible();
  await setCode(page, 'const ms = require("ms");\nconsole.log("two minutes is", ms(120000));');
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("two minutes is 2m", { timeout: 30_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");
  await page.screenshot({ path: test.info().outputPath("npm-session.png"), fullPage: true });
});

test("show stdout and stderr in the run console with a non-zero exit code", async ({ page }) => {
  await createSession(page, "Python");
  await setCode(page, 'import sys\nprint("to stdout")\nprint("to stderr", file=sys.stderr)\nsys.exit(2)');
  await page.keyboard.press("Escape"); // closes a suggestion list that would take the Enter
  await page.keyboard.press("ControlOrMeta+Enter");
  // The console is a terminal: stderr comes merged with stdout, in the order the program wrote them.
  const console = page.getByTestId("run-console");
  await expect(console).toContainText("to stdout", { timeout: 30_000 });
  await expect(console).toContainText("to stderr");
  await expect(page.getByTestId("run-status")).toContainText("exit 2");
  await page.screenshot({ path: test.info().outputPath("stderr.png") });
});

test("open a terminal tab, cd /tmp and see pwd print /tmp", async ({ page }) => {
  await createSession(page, "Bash");
  await page.getByRole("button", { name: "+ Terminal" }).click();
  const terminal = page.locator('[data-testid^="terminal-"]').first();
  await expect(terminal).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await terminal.click();
  await page.keyboard.type("cd /tmp\n");
  await page.keyboard.type("pwd\n");
  await expect(terminal.locator(".xterm-rows")).toContainText("/tmp$", { timeout: 10_000 });
  await expect(terminal.locator(".xterm-rows")).toContainText(/pwd\s*\/tmp/);
  await page.screenshot({ path: test.info().outputPath("terminal.png") });
});

test("create, edit, save and run a file", async ({ page }) => {
  await createSession(page, "Python");
  const name = `hello_${rand()}.py`;
  page.once("dialog", (dialog) => void dialog.accept(name));
  await page.getByRole("button", { name: "New file" }).click();
  await expect(page.getByTestId("open-file")).toHaveText(name, { timeout: 15_000 });
  await setCode(page, 'print("saved and run")');
  await page.keyboard.press("ControlOrMeta+S");
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  const origin = new URL(page.url()).origin;
  const id = decodeURIComponent(page.url().split("/s/")[1] ?? "");
  // "Saved" may still be the new empty file's state for a moment: the file itself says when the save landed.
  await expect
    .poll(async () => (await page.request.get(`/api/sessions/${id}/files/${name}`, { headers: { origin } })).text(), {
      timeout: 10_000,
    })
    .toBe('print("saved and run")');
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("saved and run", { timeout: 30_000 });
  await expect(page.getByTestId("recent-runs")).toContainText(name);
  await page.screenshot({ path: test.info().outputPath("file-run.png") });
});

test("a secret entered for a run is used, then gone after a reload", async ({ page }) => {
  await createSession(page, "Python");
  await page.getByText(/Secrets for runs/).click();
  await page.getByRole("button", { name: "+ Add secret" }).click();
  await page.getByLabel("Secret 1 name").fill("API_TOKEN");
  await page.getByLabel("Secret 1 value").fill("s3cr3t-value");
  await setCode(page, 'import os\nprint("token:", os.environ.get("API_TOKEN", "missing"))');
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("token: s3cr3t-value", { timeout: 30_000 });
  await page.reload();
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await expect(page.getByText("Secrets for runs (0)")).toBeVisible();
  await setCode(page, 'import os\nprint("token:", os.environ.get("API_TOKEN", "missing"))');
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("token: missing", { timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath("secret.png") });
});

test("a setup with a package that does not exist shows failed with the step and stderr", async ({ page }) => {
  await createSession(page, "Node.js", async (p) => {
    const npm = p.getByLabel("npm packages");
    await npm.fill(`sandpit-no-such-package-${rand()}`);
    await npm.press("Enter");
  });
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "failed", { timeout: 120_000 });
  const alert = panel.getByRole("alert");
  // The cause in one line, the deciding lines first, the log once (in the step).
  await expect(alert.getByTestId("setup-error")).toContainText("the npm step failed: package not found");
  await expect(alert.getByTestId("setup-deciding")).toContainText(/404|E404|not found/i);
  await expect(alert).toContainText("Failed step: npm");
  await expect(alert.getByRole("button", { name: "Retry setup" })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("failed-setup.png"), fullPage: true });
});

test("builder checks package names as they are typed", async ({ page }) => {
  await page.goto("/");
  const pip = page.getByLabel("pip packages");
  await pip.fill("requests; rm -rf /");
  await expect(page.getByText(/is not a valid pip package/)).toBeVisible();
  await pip.fill("requests>=2.28");
  await expect(page.getByText(/is not a valid pip package/)).toHaveCount(0);
});
