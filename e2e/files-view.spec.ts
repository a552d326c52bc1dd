import { deflateSync } from "node:zlib";
import { expect, test, type Page } from "@playwright/test";
import { createSession } from "./helpers";

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A valid width × height PNG, a red-to-blue gradient, so its bytes are not text. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([255 - x * 8, 64, x * 8], y * (1 + width * 3) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

async function upload(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await page.locator('input[type="file"]').first().setInputFiles({ name, mimeType, buffer });
  await expect(page.getByRole("navigation", { name: "Workspace files" }).getByRole("button", { name, exact: true })).toBeVisible({
    timeout: 30_000,
  });
}

test("a PNG opens as an image and survives Run; a CSV opens as a table", async ({ page }) => {
  const id = await createSession(page);
  const image = png(32, 16);
  await upload(page, "logo.png", "image/png", image);
  await page.getByRole("navigation", { name: "Workspace files" }).getByRole("button", { name: "logo.png", exact: true }).click();
  const view = page.getByTestId("image-view");
  await expect(view).toBeVisible();
  await expect.poll(() => view.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(32);
  // Run runs a file a language runs (the new session's main.py), never the picture or the table.
  await expect(page.getByTestId("run-target")).toHaveText("Runs main.py");
  await expect(page.getByRole("button", { name: "Save" })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("png-open.png"), fullPage: true });

  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("run-status")).toContainText("exit 0", { timeout: 60_000 });
  const stored = await page.request.get(`/api/sessions/${id}/files/logo.png`);
  expect(Buffer.from(await stored.body()).equals(image)).toBe(true);

  await upload(page, "data.csv", "text/csv", Buffer.from('name,score\nada,"3,5"\nbob,7\n'));
  await page.getByRole("navigation", { name: "Workspace files" }).getByRole("button", { name: "data.csv", exact: true }).click();
  const table = page.getByTestId("csv-table");
  await expect(table.locator("th")).toHaveText(["name", "score"]);
  await expect(table.locator("tbody tr").first().locator("td")).toHaveText(["ada", "3,5"]);
  await expect(page.getByTestId("run-target")).toHaveText("Runs main.py");
  await page.screenshot({ path: test.info().outputPath("csv-open.png"), fullPage: true });
});

test("an edit autosaves, and a reload shows it in the same open file", async ({ page }) => {
  const id = await createSession(page);
  await upload(page, "main.py", "text/x-python", Buffer.from('print("before")\n'));
  await page.getByRole("navigation", { name: "Workspace files" }).getByRole("button", { name: "main.py", exact: true }).click();
  await expect(page.getByTestId("open-file")).toHaveText("main.py");
  await expect(page.getByTestId("run-target")).toHaveText("Runs main.py");
  await expect(page.locator(".monaco-editor").first()).toContainText('print("before")');
  await page.locator(".monaco-editor").first().click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText('print("after autosave")');
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("save-state")).toHaveText("Unsaved");
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  const stored = await page.request.get(`/api/sessions/${id}/files/main.py`);
  expect(await stored.text()).toBe('print("after autosave")');

  await page.reload();
  await expect(page.getByTestId("open-file")).toHaveText("main.py", { timeout: 30_000 });
  await expect(page.locator(".monaco-editor").first()).toContainText('print("after autosave")', { timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath("reloaded.png"), fullPage: true });
});
