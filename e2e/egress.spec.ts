import { expect, test } from "@playwright/test";

test("network: chosen in the setup builder, changed while the session runs, a bad domain refused with its reason", async ({
  page,
}) => {
  await page.goto("/");
  const builderNetwork = page.locator("#builder-egress");
  await expect(builderNetwork).toHaveValue("none");
  await builderNetwork.selectOption("registries");
  await page.getByRole("button", { name: "Create session" }).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  const sessionId = new URL(page.url()).pathname.split("/").pop() ?? "";

  const panel = page.getByTestId("egress-panel");
  const network = panel.getByLabel("Network");
  await expect(network).toHaveValue("registries");
  // The bytes the sandbox moved are shown once it may connect.
  await expect(panel).toContainText("↓ 0 B");

  // Picking allowed domains waits for a domain; a bad one is refused and the policy stays.
  await network.selectOption("allow");
  const domains = panel.getByLabel("Allowed domains");
  await expect(domains).toBeVisible();
  await expect(panel).toContainText("until then the network stays on package registries");
  await domains.fill("not a domain");
  await domains.press("Enter");
  await expect(panel.getByRole("alert")).toContainText('"not" is not a domain pattern');
  await domains.fill("api.example.com, *.example.org:8443");
  await domains.press("Enter");
  await expect(panel.getByRole("alert")).toHaveCount(0);
  await expect(panel).not.toContainText("until then");

  // Stored with the session: a reload and the REST API show it.
  await page.reload();
  await expect(page.getByTestId("egress-panel").getByLabel("Network")).toHaveValue("allow");
  await expect(page.getByTestId("egress-panel").getByLabel("Allowed domains")).toHaveValue("api.example.com, *.example.org:8443");
  const session = (await (await page.request.get(`/api/sessions/${sessionId}`)).json()) as { egress: unknown };
  expect(session.egress).toEqual({ allow: ["api.example.com", "*.example.org:8443"] });

  await page.getByTestId("egress-panel").getByLabel("Network").selectOption("none");
  await expect(page.getByTestId("egress-panel")).not.toContainText("↓");
  await page.screenshot({ path: test.info().outputPath("egress-panel.png") });
});
