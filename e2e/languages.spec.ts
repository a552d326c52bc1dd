import { expect, test } from "@playwright/test";
import { createSession, setCode } from "./helpers";

test("pick C, run its starter code and see it compiled and run", async ({ page }) => {
  await createSession(page, "C");
  await expect(page.locator(".monaco-editor").first()).toContainText("#include <stdio.h>");
  await page.getByRole("button", { name: "▶ Run" }).click();
  await expect(page.getByTestId("output")).toContainText("Hello from C", { timeout: 60_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");
  await page.screenshot({ path: test.info().outputPath("c-session.png") });
});

test("pick Java, run a class, then see a compile error shown as one", async ({ page }) => {
  await createSession(page, "Java");
  // A new Java session starts in Main.java, whose public class is Main (as javac requires).
  await expect(page.getByTestId("open-file")).toHaveText("Main.java");
  // One line: Monaco indents and closes braces on its own after a new line.
  await setCode(page, 'public class Main { public static void main(String[] a) { System.out.println("hi from " + "Main"); } }');
  await page.getByRole("button", { name: "▶ Run" }).click();
  const output = page.getByTestId("output");
  await expect(output).toContainText("hi from Main", { timeout: 60_000 });
  await expect(page.getByTestId("run-status")).toContainText("exit 0");
  await setCode(page, "class Main { public static void main(String[] a) { int x = missing; } }\n");
  await page.getByRole("button", { name: "▶ Run" }).click();
  // The console shows the compiler's messages where the program's output would be.
  await expect(output).toContainText("cannot find symbol", { timeout: 60_000 });
  await expect(output).toContainText("compilation failed (javac exited with 1)");
  await expect(page.getByTestId("run-status")).toContainText("exit 125");
  await expect(output.getByRole("status")).toContainText("The program did not compile");
  await page.screenshot({ path: test.info().outputPath("java-compile-error.png") });
});
