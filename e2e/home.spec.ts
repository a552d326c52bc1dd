import { expect, test } from "@playwright/test";

test("home page renders with no console errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Code sandboxes you host yourself.");
  await expect(page.getByRole("link", { name: "Sandpit" })).toBeVisible();
  await expect(page.getByTestId("version")).toHaveText(/^v\d+\.\d+\.\d+$/);
  for (const language of ["Python", "Node.js", "TypeScript", "Go", "Deno", "Bash"]) {
    await expect(page.getByRole("radio", { name: language })).toBeAttached();
  }
  await expect(page.getByRole("button", { name: "Create session" })).toBeVisible();
  // The status card comes from a tRPC query against the real engines.
  await expect(page.getByTestId("system-status")).toHaveText("all systems ready", { timeout: 20_000 });
  await expect(page.getByText(/^Docker \d/)).toBeVisible();

  await page.screenshot({ path: "docs/screenshot-home.png" });
  expect(problems).toEqual([]);
});

test("switch between dark and light themes and keep the choice", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/");
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);

  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(html).toHaveClass(/dark/);
  await page.screenshot({ path: test.info().outputPath("home-dark.png") });

  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Switch to light theme" }).click();
  await expect(html).not.toHaveClass(/dark/);
});

test("health endpoint answers JSON with every check", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
  expect(body.status).toBe("ok");
  expect(Object.keys(body.checks).sort()).toEqual(["database", "docker", "image", "objectStore", "runtime", "setupNetwork"]);
});

test("link the favicon, web manifest and social card from the head, and serve them", async ({ page, request }) => {
  await page.goto("/");
  const head = page.locator("head");
  const attribute = async (selector: string, name: string): Promise<string> => {
    const value = await head.locator(selector).first().getAttribute(name);
    expect(value, `${selector} in the head`).toBeTruthy();
    // Social tags are absolute (at SANDPIT_PUBLIC_URL when configured): the path is what this server serves.
    return new URL(value as string, "http://sandpit.invalid").pathname;
  };
  const fetchAsset = async (url: string, type: RegExp): Promise<Buffer> => {
    const response = await request.get(url);
    expect(response.status(), url).toBe(200);
    expect(response.headers()["content-type"], url).toMatch(type);
    return response.body();
  };

  const svg = await fetchAsset(await attribute('link[rel="icon"][type="image/svg+xml"]', "href"), /^image\/svg\+xml/);
  expect(svg.toString()).toContain("<svg");
  const ico = await fetchAsset(
    await attribute('link[rel="icon"][href*=".ico"]', "href"),
    /^image\/(x-icon|vnd\.microsoft\.icon)/,
  );
  expect([...ico.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
  await fetchAsset(await attribute('link[rel="apple-touch-icon"]', "href"), /^image\/png/);

  const manifest = JSON.parse(
    (await fetchAsset(await attribute('link[rel="manifest"]', "href"), /^application\/manifest\+json/)).toString(),
  ) as { name: string; icons: Array<{ src: string; type: string }> };
  expect(manifest.name).toBe("Sandpit");
  expect(manifest.icons.length).toBeGreaterThan(1);
  for (const icon of manifest.icons) await fetchAsset(icon.src, new RegExp(`^${icon.type.replace("+", "\\+")}`));

  for (const selector of ['meta[property="og:image"]', 'meta[name="twitter:image"]']) {
    const png = await fetchAsset(await attribute(selector, "content"), /^image\/png/);
    // The PNG header's width and height: the 1200 × 630 a social card needs.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 630]);
  }
  await expect(head.locator('meta[name="twitter:card"]')).toHaveAttribute("content", "summary_large_image");
});
