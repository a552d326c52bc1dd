// Renders the product card's images from public/favicon.svg with the test suite's Chromium:
// favicon.ico (16, 32, 48), the PNG icons of the web manifest, the Apple touch icon and the social
// card. Run it after changing the logo: `npx tsx scripts/make-icons.ts`; the results are committed.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";

const PUBLIC = path.join(import.meta.dirname, "..", "public");

async function render(page: Page, html: string, width: number, height: number): Promise<Buffer> {
  await page.setViewportSize({ width, height });
  await page.setContent(`<!doctype html><html><body style="margin:0">${html}</body></html>`);
  return page.screenshot({ omitBackground: true, type: "png" });
}

/** An ICO file holding PNG images (allowed since Windows Vista; every current browser reads it). */
function ico(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header.writeUInt8(size >= 256 ? 0 : size, entry);
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

async function main(): Promise<void> {
  const svg = await readFile(path.join(PUBLIC, "favicon.svg"), "utf8");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
  try {
    const page = await browser.newPage();
    const icon = (size: number, padding = 0): Promise<Buffer> =>
      render(
        page,
        `<div style="width:${size}px;height:${size}px;padding:${padding}px;box-sizing:border-box;background:${padding ? "#1c1917" : "none"}">${svg.replace("<svg ", '<svg width="100%" height="100%" ')}</div>`,
        size,
        size,
      );
    // One page renders one image at a time.
    const small: Array<{ size: number; png: Buffer }> = [];
    for (const size of [16, 32, 48]) small.push({ size, png: await icon(size) });
    await writeFile(path.join(PUBLIC, "favicon.ico"), ico(small));
    await writeFile(path.join(PUBLIC, "icon-192.png"), await icon(192));
    await writeFile(path.join(PUBLIC, "icon-512.png"), await icon(512));
    // Maskable and Apple icons are cropped by the system: the logo sits inside a safe margin.
    await writeFile(path.join(PUBLIC, "icon-maskable-512.png"), await icon(512, 64));
    await writeFile(path.join(PUBLIC, "apple-touch-icon.png"), await icon(180, 16));
    const card = `
      <div style="width:1200px;height:630px;box-sizing:border-box;padding:80px;background:#1c1917;color:#fbf8f1;
                  font-family:'DejaVu Sans',sans-serif;display:flex;flex-direction:column;justify-content:space-between">
        <div style="display:flex;align-items:center;gap:32px">
          <div style="width:120px;height:120px">${svg.replace("<svg ", '<svg width="120" height="120" ')}</div>
          <div style="font-size:88px;font-weight:700;letter-spacing:-2px">Sandpit</div>
        </div>
        <div style="font-size:44px;line-height:1.3;color:#e8d7ae">
          A self-hostable web IDE and code sandboxes: set up an environment, run code, open shells, share by link.
        </div>
        <div style="font-size:28px;color:#cfa657">One command on your own machine · REST, MCP and a browser IDE</div>
      </div>`;
    await writeFile(path.join(PUBLIC, "og-image.png"), await render(page, card, 1200, 630));
  } finally {
    await browser.close();
  }
}

await main();
