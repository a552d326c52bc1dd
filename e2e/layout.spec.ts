import { expect, test, type Locator, type Page } from "@playwright/test";
import { asPage, createSession, putFile, setCode } from "./helpers";

// The IDE fills the window: files | editor | output and preview, a terminal drawer below; the
// dividers move and the layout is remembered; narrow screens get one area at a time.

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) throw new Error("not laid out");
  return found;
}

function inViewport(page: Page, area: { x: number; y: number; width: number; height: number }): boolean {
  const size = page.viewportSize() ?? { width: 0, height: 0 };
  return area.x >= 0 && area.y >= 0 && area.x + area.width <= size.width + 1 && area.y + area.height <= size.height + 1;
}

test.describe("IDE layout", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("editor, output and terminal fit one 1440×900 window; dividers move and stay moved after a reload", async ({ page }) => {
    await createSession(page, "Python");
    const editor = page.getByTestId("editor-pane");
    const side = page.getByTestId("side-pane");
    const drawer = page.getByTestId("ide-terminal-drawer");
    await page.getByRole("button", { name: "+ Terminal" }).click();
    await expect(page.locator('[data-testid^="terminal-"][data-state]').first()).toHaveAttribute("data-state", "connected", {
      timeout: 30_000,
    });
    for (const area of [page.getByTestId("files-pane"), editor, side, drawer])
      expect(inViewport(page, await box(area))).toBe(true);
    expect((await box(page.locator(".monaco-editor").first())).height).toBeGreaterThan(250);
    expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1)).toBe(true);
    await page.screenshot({ path: test.info().outputPath("ide-1440-light.png") });

    // The divider between editor and output moves with the keyboard, and the width is remembered.
    const before = (await box(side)).width;
    await page.getByRole("separator", { name: "Resize the editor and the output" }).focus();
    for (let i = 0; i < 8; i++) await page.keyboard.press("ArrowLeft");
    await expect.poll(async () => (await box(side)).width).toBeGreaterThan(before + 40);
    const moved = (await box(side)).width;
    await page.reload();
    await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
    await expect.poll(async () => Math.abs((await box(side)).width - moved)).toBeLessThan(8);

    // The terminal drawer closes to a bar and stays closed after a reload.
    const openHeight = (await box(drawer)).height;
    await page.getByRole("button", { name: "Terminal", expanded: true }).click();
    await expect(page.getByRole("button", { name: "Terminal", expanded: false })).toBeVisible();
    await expect.poll(async () => (await box(drawer)).height).toBeLessThan(openHeight / 2);
    await page.reload();
    await expect(page.getByRole("button", { name: "Terminal", expanded: false })).toBeVisible({ timeout: 30_000 });
    await page.getByRole("button", { name: "Terminal", expanded: false }).click();
    await expect(page.getByRole("button", { name: "+ Terminal" })).toBeVisible();

    await page.getByRole("button", { name: "Switch to dark theme" }).click();
    await page.screenshot({ path: test.info().outputPath("ide-1440-dark.png") });
  });

  test("Run runs the file chosen in the run menu, whatever file is open", async ({ page }) => {
    const id = await createSession(page, "Python");
    await putFile(page, id, "task.py", 'print("ran task.py")\n');
    await putFile(page, id, "notes.py", 'print("ran notes.py")\n');
    const tree = page.getByRole("navigation", { name: "Workspace files" });
    await expect(tree.getByRole("button", { name: "task.py", exact: true })).toBeVisible({ timeout: 15_000 });
    await page.getByRole("combobox", { name: "File to run" }).selectOption("task.py");
    await tree.getByRole("button", { name: "notes.py", exact: true }).click();
    await expect(page.getByTestId("open-file")).toHaveText("notes.py");
    await expect(page.getByTestId("run-target")).toHaveText("Runs task.py");
    await page.getByRole("button", { name: "▶ Run" }).click();
    await expect(page.getByTestId("run-console")).toContainText("ran task.py", { timeout: 30_000 });
    // Remembered for the session: after a reload it still runs task.py.
    await page.reload();
    await expect(page.getByTestId("run-target")).toHaveText("Runs task.py", { timeout: 30_000 });
    // Back to following the open file.
    await page.getByRole("combobox", { name: "File to run" }).selectOption("");
    await expect(page.getByTestId("run-target")).toHaveText("Runs notes.py");
  });

  test("a new session's code is a real file: it is in the tree, saved, and still there after a reload", async ({ page }) => {
    const id = await createSession(page, "Python");
    await expect(page.getByTestId("open-file")).toHaveText("main.py");
    await setCode(page, 'print("kept across reloads")');
    await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
    const stored = await page.request.get(`/api/sessions/${id}/files/main.py`, { headers: asPage(page) });
    expect(await stored.text()).toBe('print("kept across reloads")');
    await page.reload();
    await expect(page.locator(".monaco-editor").first()).toContainText("kept across reloads", { timeout: 30_000 });
  });
});

test.describe("IDE on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("shows one area at a time, with no sideways scrolling, and reaches editor, output and terminal", async ({ page }) => {
    await createSession(page, "Python");
    const areas = page.getByRole("tablist", { name: "IDE areas" });
    await expect(areas).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await setCode(page, 'print("hello from a phone")');
    await page.getByRole("button", { name: "▶ Run" }).click();
    await areas.getByRole("tab", { name: "Output" }).click();
    await expect(page.getByTestId("run-console")).toContainText("hello from a phone", { timeout: 30_000 });
    await areas.getByRole("tab", { name: "Terminal" }).click();
    await page.getByRole("button", { name: "+ Terminal" }).click();
    await expect(page.locator('[data-testid^="terminal-"][data-state]').first()).toHaveAttribute("data-state", "connected", {
      timeout: 30_000,
    });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: test.info().outputPath("ide-phone.png") });
  });
});
