import { expect, test } from "@playwright/test";
import { createSession, setCode } from "./helpers";

test("a plot, Markdown and HTML shown by a run appear under its output", async ({ page }) => {
  await createSession(page);
  await setCode(
    page,
    [
      "import matplotlib.pyplot as plt",
      "from sandpit_display import display",
      "plt.plot([0, 1, 2, 3], [0, 1, 4, 9], marker='o')",
      "plt.title('Squares')",
      "plt.show()",
      'display("## Summary\\n\\nThe **squares** grow.", mime="text/markdown")',
      'display("<table><tr><td>html cell</td></tr></table><script>parent.document.title = \'hacked\'</script>", mime="text/html")',
      "print('plotted')",
    ].join("\n"),
  );
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("run-console")).toContainText("plotted", { timeout: 30_000 });
  const image = page.getByTestId("display-image");
  await expect(image).toBeVisible();
  // The figure was decoded: a PNG of real size, not a broken image.
  expect(await image.evaluate((node) => (node as HTMLImageElement).naturalWidth)).toBeGreaterThan(300);
  await expect(page.getByTestId("display-markdown").getByRole("heading", { name: "Summary" })).toBeVisible();
  const frame = page.frameLocator('[data-testid="display-html"]');
  await expect(frame.getByText("html cell")).toBeVisible();
  // The frame runs no script: the page's title is its own.
  expect(await page.title()).not.toBe("hacked");
  await image.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath("plot.png"), fullPage: true });
});
