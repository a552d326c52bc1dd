import { expect, type Page } from "@playwright/test";

export const rand = (): string => Math.random().toString(36).slice(2, 8);

/** Creates a session from the home page (after `setup` fills in the builder); answers its id once its editor is ready. */
export async function createSession(page: Page, language = "Python", setup?: (page: Page) => Promise<void>): Promise<string> {
  await page.goto("/");
  await page.getByRole("radio", { name: language, exact: true }).check({ force: true });
  await setup?.(page);
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  await expect(page.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  return decodeURIComponent(page.url().split("/s/")[1] ?? "");
}

/** Types into Monaco: select everything and replace it (inserted, so Monaco closes no brackets of its own). */
export async function setCode(page: Page, code: string): Promise<void> {
  await page.locator(".monaco-editor").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(code);
  await page.keyboard.press("Escape"); // a suggestion list left open would take the next Enter
}

/**
 * Calls the REST API as the page's own fetches would: the owner cookie counts only on calls from
 * Sandpit's own pages, so these say where they come from.
 */
export function asPage(page: Page): { origin: string } {
  return { origin: new URL(page.url()).origin };
}

/** Writes a workspace file of session `id` through the REST API. */
export async function putFile(page: Page, id: string, path: string, content: string): Promise<void> {
  const response = await page.request.put(`/api/sessions/${id}/files/${path}`, {
    data: content,
    headers: { "content-type": "application/octet-stream", ...asPage(page) },
  });
  expect(response.status()).toBe(200);
}

/**
 * A student opens a class link in `page`, gives their name and lands in their own copy with `file`
 * (the template's entry file) open. Returns the copy's id.
 */
export async function joinClass(page: Page, link: string, name: string, file = "main.py"): Promise<string> {
  await page.goto(link);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join the class" }).click();
  await page.waitForURL(/\/s\/[^/]+$/, { timeout: 30_000 });
  await expect(page.getByTestId("open-file")).toContainText(file, { timeout: 30_000 });
  return decodeURIComponent(page.url().split("/s/")[1] ?? "");
}
