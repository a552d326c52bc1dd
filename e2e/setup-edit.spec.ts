import { expect, test, type Page } from "@playwright/test";
import { createSession, putFile, setCode } from "./helpers";

const SHOTS = "/tmp/shots";

async function runAndExpect(page: Page, text: string): Promise<void> {
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText(text, { timeout: 60_000 });
}

test("edit a session's setup: a failed edit keeps the old layer, a retry and a fixed edit run again, files stay", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const id = await createSession(page, "Bash", async (p) => {
    await p.getByRole("button", { name: "+ Add command" }).click();
    await p.getByLabel("Command 1", { exact: true }).fill("echo first > /opt/layer/which.txt");
    await p.getByRole("button", { name: "+ Add variable" }).click();
    await p.getByLabel("Variable 1 name").fill("GREETING");
    await p.getByLabel("Variable 1 value").fill("hello");
  });
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 120_000 });
  await putFile(page, id, "mine.txt", "my own file\n");

  // The builder opens with the session's setup; the env value is not shown back, so it is asked for again.
  await panel.getByRole("button", { name: "Edit setup" }).click();
  const form = panel.getByTestId("edit-setup");
  await expect(form.getByLabel("Command 1", { exact: true })).toHaveValue("echo first > /opt/layer/which.txt");
  await expect(form.getByLabel("Variable 1 name")).toHaveValue("GREETING");
  await expect(form.getByLabel("Variable 1 value")).toHaveValue("");
  await expect(form.getByTestId("env-reentry")).toBeVisible();
  await form.getByRole("button", { name: "+ Add command" }).click();
  await form.getByLabel("Command 2", { exact: true }).fill("echo broken on purpose >&2; exit 7");
  await form.getByRole("button", { name: "Run new setup" }).click();
  await expect(form.getByRole("alert")).toContainText("GREETING: enter its value again");
  await form.getByLabel("Variable 1 value").fill("hello again");
  await page.screenshot({ path: `${SHOTS}/setupedit-form.png`, fullPage: true });
  await form.getByRole("button", { name: "Run new setup" }).click();

  // The new setup fails; its cause shows, and runs keep the layer that completed.
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "failed", { timeout: 120_000 });
  const alert = panel.getByRole("alert");
  await expect(alert.getByTestId("setup-error")).toContainText("commands");
  await expect(alert).toContainText("Failed step: commands");
  await expect(panel.getByText("broken on purpose").first()).toBeVisible();
  await setCode(page, "cat /opt/layer/which.txt mine.txt");
  await runAndExpect(page, "first");
  await expect(page.getByTestId("output")).toContainText("my own file");
  await page.screenshot({ path: `${SHOTS}/setupedit-failed.png`, fullPage: true });

  // Retry runs the failed edit again.
  await alert.getByRole("button", { name: "Retry setup" }).click();
  await expect(panel.locator("[data-status]").first()).not.toHaveAttribute("data-status", "failed");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "failed", { timeout: 120_000 });

  // Editing again starts from the failed setup: fix it, and the new layer is attached.
  await panel.getByRole("button", { name: "Edit setup" }).click();
  await expect(form.getByLabel("Command 2", { exact: true })).toHaveValue("echo broken on purpose >&2; exit 7");
  await form.getByRole("button", { name: "Remove command 2" }).click();
  await form.getByLabel("Command 1", { exact: true }).fill("echo second > /opt/layer/which.txt");
  await form.getByLabel("Variable 1 value").fill("hello");
  await form.getByRole("button", { name: "Run new setup" }).click();
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 120_000 });
  await expect(panel.getByRole("alert")).toHaveCount(0);
  await runAndExpect(page, "second");
  await expect(page.getByTestId("output")).toContainText("my own file");
  await page.screenshot({ path: `${SHOTS}/setupedit-done.png`, fullPage: true });
});

test("add a setup to a session that has none", async ({ page }) => {
  test.setTimeout(180_000);
  await createSession(page, "Bash");
  const panel = page.getByTestId("status-panel");
  await expect(panel).toContainText("No setup");
  await panel.getByRole("button", { name: "Add a setup" }).click();
  const form = panel.getByTestId("edit-setup");
  await form.getByRole("button", { name: "+ Add command" }).click();
  await form.getByLabel("Command 1", { exact: true }).fill("echo added > /opt/layer/added.txt");
  await form.getByRole("button", { name: "Run new setup" }).click();
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 120_000 });
  await setCode(page, "cat /opt/layer/added.txt");
  await runAndExpect(page, "added");
});

/** The TypeScript checker's error markers of all models, as Monaco holds them. */
async function errorMarkers(page: Page): Promise<string[] | null> {
  return page.evaluate(() => {
    const monaco = (
      window as unknown as {
        monaco?: { editor: { getModelMarkers: (f: object) => Array<{ severity: number; message: string }> } };
      }
    ).monaco;
    if (!monaco) return null;
    return monaco.editor
      .getModelMarkers({ owner: "typescript" })
      .filter((marker) => marker.severity === 8)
      .map((marker) => marker.message);
  });
}

test("the editor knows the types of lodash once the setup installed it with @types/lodash", async ({ page }) => {
  test.setTimeout(300_000);
  await createSession(page, "TypeScript", async (p) => {
    const npm = p.getByLabel("npm packages");
    for (const name of ["lodash@4.17.21", "@types/lodash"]) {
      await npm.fill(name);
      await npm.press("Enter");
    }
  });
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 180_000 });

  // A property lodash does not have is an error of its own: the module and its types were found.
  await setCode(page, 'import _ from "lodash";\nconsole.log(_.chunk([1, 2], 1));\n_.notAThing();\n');
  await expect
    .poll(() => errorMarkers(page), { timeout: 60_000 })
    .toEqual([expect.stringContaining("Property 'notAThing' does not exist") as unknown]);
  await expect(page.locator(".squiggly-error")).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/setupedit-types-error.png`, fullPage: true });

  await setCode(page, 'import _ from "lodash";\nconsole.log(_.chunk([1, 2], 1));\n');
  await expect.poll(() => errorMarkers(page), { timeout: 60_000 }).toEqual([]);
  await expect(page.locator(".squiggly-error")).toHaveCount(0);
  await runAndExpect(page, "[ [ 1 ], [ 2 ] ]");
  await page.screenshot({ path: `${SHOTS}/setupedit-types-ok.png`, fullPage: true });
});

test("say when the installed packages have more declarations than the editor gets", async ({ page }) => {
  test.setTimeout(180_000);
  await createSession(page, "TypeScript", async (p) => {
    await p.getByRole("button", { name: "+ Add command" }).click();
    await p
      .getByLabel("Command 1", { exact: true })
      .fill(
        'mkdir -p /opt/layer/node/node_modules/many && cd /opt/layer/node/node_modules/many && for i in $(seq 1 1100); do echo "export declare const v$i: number;" > f$i.d.ts; done',
      );
  });
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 120_000 });
  await expect(page.getByTestId("package-types-cut")).toContainText("1000 declaration files", { timeout: 60_000 });
  await page.screenshot({ path: `${SHOTS}/setupedit-types-cut.png` });
});

test("a class copy's viewer sees its setup but cannot edit or retry it; its student can", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await createSession(page, "Bash", async (p) => {
    await p.getByRole("button", { name: "+ Add command" }).click();
    await p.getByLabel("Command 1", { exact: true }).fill("echo class > /opt/layer/class.txt");
  });
  await expect(page.getByTestId("status-panel").locator("[data-status]").first()).toHaveAttribute("data-status", "completed", {
    timeout: 120_000,
  });
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption("class");
  await page.getByRole("button", { name: "Create link" }).click();
  const link = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();

  const student = await (await browser.newContext()).newPage();
  await student.goto(link);
  await student.getByLabel("Your name").fill("Sam");
  await student.getByRole("button", { name: "Join the class" }).click();
  await student.waitForURL(/\/s\/[^/]+$/, { timeout: 30_000 });
  const studentPanel = student.getByTestId("status-panel");
  await expect(studentPanel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", {
    timeout: 120_000,
  });
  await expect(studentPanel.getByRole("button", { name: "Edit setup" })).toBeVisible();

  // The teacher reads the copy: the setup shows, without a way to change it.
  await page.goto(student.url());
  await expect(page.getByText(/Read-only: this is a copy of your class session/)).toBeVisible();
  const panel = page.getByTestId("status-panel");
  await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed");
  await expect(panel.getByRole("button")).toHaveCount(0);
});
