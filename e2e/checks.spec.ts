import { expect, test, type Browser, type Page } from "@playwright/test";
import { asPage, createSession, joinClass, putFile, setCode } from "./helpers";

/** The teacher's tests: written in the workspace first, then hidden from it in the Assignment panel. */
const TESTS = `import unittest
from main import add


class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_negative(self):
        self.assertEqual(add(-1, -2), -3, "negatives add up")
`;

async function student(browser: Browser, link: string, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await joinClass(page, link, name);
  return page;
}

test("a teacher hides tests and sets a deadline; students Check, see what failed and why, and the dashboard follows", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const template = await createSession(page);
  await putFile(page, template, "main.py", "def add(a, b):\n    return 0\n");
  await putFile(page, template, "tests/test_main.py", TESTS);
  expect(
    (await page.request.patch(`/api/sessions/${template}`, { data: { entry_file: "main.py" }, headers: asPage(page) })).status(),
  ).toBe(200);
  // A class link makes the session a template, with an Assignment panel.
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption("class");
  await page.getByRole("button", { name: "Create link" }).click();
  const link = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();

  const panel = page.getByTestId("assignment-panel");
  await panel.locator("summary").click();
  await panel.getByLabel("Workspace file or folder to hide").fill("tests");
  await panel.getByRole("button", { name: "Hide from the workspace" }).click();
  await expect(panel.getByTestId("hidden-file")).toHaveCount(1);
  await expect(panel.getByLabel("Hidden file path")).toHaveValue("tests/test_main.py");
  // The tests left the teacher's workspace too: no class copy can ever get them.
  const tree = page.getByRole("navigation", { name: "Workspace files" });
  await expect(tree).toContainText("main.py");
  await expect(tree).not.toContainText("tests");
  await panel.getByRole("textbox", { name: /Test command/ }).fill("python3 -m unittest discover -s tests -v");
  await panel.getByRole("button", { name: "Save assignment" }).click();
  await expect(panel.getByRole("status")).toHaveText("Saved");
  // The teacher tries the checks on the template's own stub: both fail.
  await panel.getByRole("button", { name: "Try the checks on this template" }).click();
  await expect(panel.getByTestId("check-result")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
  await expect(panel.getByTestId("check-result")).toContainText("0 of 2 tests passed");

  const ada = await student(browser, link, "Ada");
  const bo = await student(browser, link, "Bo");
  // Ada fixes the function and checks: both pass.
  await setCode(ada, "def add(a, b):\n    return a + b\n");
  await ada.getByRole("button", { name: "✓ Check" }).first().click();
  const adaResult = ada.getByTestId("check-pane").getByTestId("check-result");
  await expect(adaResult).toHaveAttribute("data-status", "passed", { timeout: 60_000 });
  await expect(adaResult).toContainText("2 of 2 tests passed");
  // Bo gets one right: they see which test failed and the assertion's message, never the test file.
  await setCode(bo, "def add(a, b):\n    return a + b if a > 0 else 0\n");
  await bo.getByRole("button", { name: "✓ Check" }).first().click();
  const boResult = bo.getByTestId("check-pane").getByTestId("check-result");
  await expect(boResult).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
  await expect(boResult.locator('[data-testid="check-test"][data-status="failed"]')).toContainText(
    "AssertionError: 0 != -3 : negatives add up",
  );
  await expect(boResult.locator('[data-testid="check-test"][data-status="passed"]')).toContainText("test_small");
  await expect(boResult).not.toContainText("class TestAdd");
  await expect(bo.getByRole("navigation", { name: "Workspace files" })).not.toContainText("tests");
  await bo.screenshot({ path: test.info().outputPath("student-check.png") });

  // The teacher's dashboard follows: states and each latest check.
  const list = page.getByTestId("class-forks");
  const row = (name: string) => list.getByTestId("class-copy").filter({ hasText: name });
  await expect(row("Ada").getByTestId("class-copy-state")).toHaveText("checks passing", { timeout: 15_000 });
  await expect(row("Bo").getByTestId("class-copy-state")).toHaveText("checks failing");
  await expect(row("Bo").getByTestId("class-copy-check")).toContainText("checks 1/2");
  // The teacher reads what failed, with everything the tests printed.
  await row("Bo").getByRole("button", { name: "Check of Bo" }).click();
  await expect(row("Bo").getByTestId("check-result")).toContainText("negatives add up");
  await expect(row("Bo").getByText("What the tests printed")).toBeVisible();
  await expect(page.getByTestId("class-summary")).toHaveText("0 not started · 0 working · 1 checks passing · 1 checks failing");

  // A deadline in the past: the students' copies turn read-only, and say why.
  const past = new Date(Date.now() - 60_000);
  const local = new Date(past.getTime() - past.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await panel.getByLabel("Deadline").fill(local);
  await panel.getByRole("button", { name: "Save assignment" }).click();
  await expect(panel.getByRole("status")).toHaveText("Saved");
  await bo.reload();
  await expect(bo.getByTestId("read-only-notice")).toContainText("the deadline passed", { timeout: 15_000 });
  await expect(bo.getByRole("button", { name: "▶ Run" })).toHaveCount(0);
  // The teacher gives Bo one more day: Bo may work again; Ada's copy stays closed.
  await row("Bo").getByRole("button", { name: "Deadline of Bo" }).click();
  await row("Bo").getByRole("button", { name: "Give this deadline" }).click();
  await expect(row("Bo").getByTestId("class-copy-deadline")).toContainText("(their own)");
  await bo.reload();
  await expect(bo.getByRole("button", { name: "▶ Run" })).toBeVisible({ timeout: 15_000 });
  await expect(bo.getByTestId("read-only-notice")).toHaveCount(0);
  await ada.reload();
  await expect(ada.getByTestId("read-only-notice")).toContainText("the deadline passed", { timeout: 15_000 });
  await page.screenshot({ path: test.info().outputPath("class-checks.png"), fullPage: true });
});
