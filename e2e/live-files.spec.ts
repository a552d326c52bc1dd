import { expect, test } from "@playwright/test";
import { createSession, putFile, rand, setCode } from "./helpers";

test("files made in a terminal appear in the tree, and an open file follows changes made elsewhere", async ({ page }) => {
  const id = await createSession(page);
  const notes = `notes_${rand()}.txt`;
  await putFile(page, id, notes, "first version\n");
  await page.reload();
  const tree = page.getByRole("navigation", { name: "Workspace files" });
  await tree.getByText(notes, { exact: true }).click();
  const editor = page.locator(".monaco-editor").first();
  await expect(editor).toContainText("first version");

  await page.getByRole("button", { name: "+ Terminal" }).click();
  const terminal = page.locator('[data-testid^="terminal-"]').first();
  await expect(terminal).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await terminal.click();
  // Neither the tree nor the editor is reloaded by hand: both follow the workspace.
  const made = `made_${rand()}.py`;
  await page.keyboard.type(`mkdir -p data && echo 'print(1)' > data/${made}\n`);
  await expect(tree.getByText(made, { exact: true })).toBeVisible({ timeout: 10_000 });
  await page.keyboard.type(`echo 'changed in the terminal' > ${notes}\n`);
  await expect(editor).toContainText("changed in the terminal", { timeout: 10_000 });
  await expect(page.getByTestId("save-state")).toHaveText("Saved");
  await page.keyboard.type(`rm data/${made}\n`);
  await expect(tree.getByText(made, { exact: true })).toHaveCount(0, { timeout: 10_000 });
  await page.screenshot({ path: test.info().outputPath("live-files.png"), fullPage: true });
});

test("a file changed elsewhere while edited here asks which version to keep", async ({ page }) => {
  const id = await createSession(page);
  const name = `both_${rand()}.txt`;
  await putFile(page, id, name, "original\n");
  await page.reload();
  await page.getByRole("navigation", { name: "Workspace files" }).getByText(name, { exact: true }).click();
  const editor = page.locator(".monaco-editor").first();
  await expect(editor).toContainText("original");
  // This page's saves never arrive, so what is typed here stays unsaved while the file changes on disk.
  await page.route("**/api/trpc/files.write**", () => undefined);
  await setCode(page, "typed here");
  await putFile(page, id, name, "written elsewhere\n");
  const conflict = page.getByTestId("file-conflict");
  await expect(conflict).toContainText(`${name} changed outside the editor`, { timeout: 10_000 });
  await expect(editor).toContainText("typed here");
  await conflict.getByRole("button", { name: "Load the new version" }).click();
  await expect(editor).toContainText("written elsewhere");
  await expect(conflict).toHaveCount(0);
});
