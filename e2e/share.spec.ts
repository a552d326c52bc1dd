import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Browser, type Page } from "@playwright/test";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { asPage, createSession, joinClass, putFile, setCode } from "./helpers";
import { CSV_HEADER } from "../components/share/class-csv";

async function newSession(page: Page, code: string): Promise<string> {
  const id = await createSession(page);
  // The code lives in a workspace file, so visitors see it.
  await putFile(page, id, "main.py", code);
  const patched = await page.request.patch(`/api/sessions/${id}`, { data: { entry_file: "main.py" }, headers: asPage(page) });
  expect(patched.status()).toBe(200);
  return id;
}

async function createLink(page: Page, role: "view" | "fork" | "class" | "embed"): Promise<string> {
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption(role);
  await page.getByRole("button", { name: "Create link" }).click();
  const link = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();
  const prefix = role === "class" || role === "embed" ? role : "share";
  expect(link).toMatch(new RegExp(`/${prefix}/[A-Za-z0-9_-]{43}$`));
  return link;
}

async function visitor(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** A page served by its own server on another port: another origin than Sandpit's. */
async function staticPage(html: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/course.html`, server };
}

test("share a view link; a visitor cannot change the original, forks, edits and runs", async ({ page, browser }) => {
  const original = await newSession(page, 'print("original code")\n');
  const link = await createLink(page, "view");

  const guest = await visitor(browser);
  await guest.goto(link);
  await expect(guest.getByRole("heading", { name: original })).toBeVisible();
  await expect(guest.getByTestId("shared-code")).toContainText('print("original code")', { timeout: 30_000 });
  await guest.screenshot({ path: test.info().outputPath("shared-view.png") });
  // The visitor's browser may not change the original, through the app or the API.
  const write = await guest.request.put(`/api/sessions/${original}/files/main.py`, {
    data: "hacked",
    headers: { "content-type": "application/octet-stream", origin: new URL(guest.url()).origin },
  });
  expect(write.status()).toBe(404);

  await guest.getByRole("button", { name: "Fork to edit" }).click();
  await guest.waitForURL(/\/s\/[^/]+$/);
  const fork = decodeURIComponent(guest.url().split("/s/")[1] ?? "");
  expect(fork).not.toBe(original);
  await guest.getByRole("navigation", { name: "Workspace files" }).getByRole("button", { name: "main.py", exact: true }).click();
  await expect(guest.getByTestId("open-file")).toHaveText("main.py");
  await expect(guest.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await setCode(guest, 'print("changed in the fork")\n');
  await guest.keyboard.press("ControlOrMeta+S");
  await guest.getByRole("button", { name: "▶ Run" }).click();
  await expect(guest.getByTestId("output")).toContainText("changed in the fork", { timeout: 30_000 });

  const unchanged = await page.request.get(`/api/sessions/${original}/files/main.py`, {
    headers: { origin: new URL(page.url()).origin },
  });
  expect(await unchanged.text()).toBe('print("original code")\n');
});

test("a revoked link shows the revoked page", async ({ page, browser }) => {
  await newSession(page, 'print("soon gone")\n');
  const link = await createLink(page, "view");
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("button", { name: "Yes, revoke" }).click();
  await expect(page.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  const guest = await visitor(browser);
  await guest.goto(link);
  await expect(guest.getByTestId("link-unavailable")).toBeVisible();
  await expect(guest.getByText("This link does not work anymore")).toBeVisible();
  await expect(guest.getByText(/revoked by its owner/)).toBeVisible();
  await guest.screenshot({ path: test.info().outputPath("revoked.png") });
});

test("a class link gives 5 named students their own copies; the owner sees, renames and removes them, and follows one live", async ({
  page,
  browser,
}) => {
  const template = await newSession(page, 'import os\nprint("hello class")\n');
  const link = await createLink(page, "class");
  const forks: string[] = [];
  const students: Page[] = [];
  for (let i = 0; i < 5; i++) {
    const student = await visitor(browser);
    students.push(student);
    await student.goto(link);
    if (i === 0) {
      // No name, no copy: the button waits for one, and a blank one is refused with a reason.
      await expect(student.getByRole("button", { name: "Join the class" })).toBeDisabled();
      await student.getByLabel("Your name").fill("   ");
      await expect(student.getByRole("button", { name: "Join the class" })).toBeDisabled();
      await student.screenshot({ path: test.info().outputPath("join-name.png") });
    }
    await joinClass(student, link, `Student ${i}`);
    const fork = decodeURIComponent(student.url().split("/s/")[1] ?? "");
    forks.push(fork);
    await expect(student.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
    await setCode(student, `print("student ${i}")`);
    await student.getByRole("button", { name: "▶ Run" }).click();
    await expect(student.getByTestId("output")).toContainText(`student ${i}`, { timeout: 30_000 });
    if (i === 0) {
      // Coming back gives the same copy, without being asked again.
      await student.goto(link);
      await student.waitForURL(/\/s\/[^/]+$/);
      expect(decodeURIComponent(student.url().split("/s/")[1] ?? "")).toBe(fork);
      // The browser remembers the name, to fill it in for the next class.
      expect(await student.evaluate(() => localStorage.getItem("sandpit:display-name"))).toBe("Student 0");
    }
  }
  expect(new Set(forks).size).toBe(5);
  expect(forks).not.toContain(template);
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  const list = page.getByTestId("class-forks");
  for (const [i, fork] of forks.entries()) {
    const entry = list.locator(`[data-copy="${fork}"]`);
    await expect(entry.getByTestId("class-copy-name")).toHaveText(`Student ${i}`);
    await expect(entry.getByTestId("class-copy-state")).toHaveText("last run passed");
    await expect(entry.getByTestId("class-copy-runs")).toContainText("1 run · last");
  }
  await expect(page.getByTestId("class-summary")).toHaveText("0 not started · 5 passing · 0 failing");
  // Find narrows the list; the CSV holds every student.
  await page.getByPlaceholder("name or state").fill("student 3");
  await expect(list.getByTestId("class-copy")).toHaveCount(1);
  await page.getByPlaceholder("name or state").fill("");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const csv = await (await download).createReadStream().then(async (stream) => {
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts).toString("utf8");
  });
  expect(csv.split("\n")[0]).toBe(CSV_HEADER);
  for (const [i, fork] of forks.entries()) expect(csv).toContain(`Student ${i},${fork},last run passed,1,`);
  await page.screenshot({ path: test.info().outputPath("classroom.png"), fullPage: true });

  // What a student changed against the template, as a diff.
  await list.getByRole("button", { name: "Changes of Student 3" }).click();
  const changes = list.locator(`[data-copy="${forks[3]}"]`).getByTestId("copy-changes");
  await expect(changes.getByTestId("copy-changes-summary")).toHaveText("1 changed · 0 added · 0 removed · 0 as in the template");
  await expect(changes).toContainText('+print("student 3")');
  await expect(changes).toContainText('-print("hello class")');
  await changes.screenshot({ path: test.info().outputPath("copy-changes.png") });

  // The teacher corrects a name, and removes a copy after confirming.
  await list.getByRole("button", { name: "Rename Student 1" }).click();
  await list.getByLabel("Student name").fill("Ada Lovelace");
  await list.getByRole("button", { name: "Save" }).click();
  await expect(list.locator(`[data-copy="${forks[1]}"]`).getByTestId("class-copy-name")).toHaveText("Ada Lovelace");
  await list.getByRole("button", { name: "Remove Student 4" }).click();
  await list.getByRole("button", { name: "Yes, remove" }).click();
  await expect(list.locator(`[data-copy="${forks[4]}"]`)).toHaveCount(0);
  await expect(page.getByText("Class copies (4)")).toBeVisible();
  const gone = await page.request.get(`/api/sessions/${forks[4]}`);
  expect(gone.status()).toBe(404);

  // The owner opens one copy read-only, and follows it live: what the student writes shows up
  // in the teacher's editor without a reload.
  await list.getByRole("link", { name: "Student 2" }).click();
  await expect(page.getByText(/Read-only: this is a copy of your class session/)).toBeVisible();
  await expect(page.getByRole("button", { name: "▶ Run" })).toHaveCount(0);
  await page.getByRole("navigation", { name: "Workspace files" }).getByText("main.py", { exact: true }).click();
  await expect(page.locator(".monaco-editor").first()).toContainText('print("student 2")', { timeout: 15_000 });
  await setCode(students[2] as Page, 'print("typed by student 2 while the teacher watches")');
  await expect(page.locator(".monaco-editor").first()).toContainText("while the teacher watches", { timeout: 15_000 });
});

test("an embed link in an iframe on another page runs code; a session id or a view link does not embed", async ({
  page,
  browser,
}) => {
  const id = await newSession(page, 'print("from the embed")\n');
  const view = await createLink(page, "view");
  const link = await createLink(page, "embed");
  await expect(page.getByTestId("embed-snippet")).toHaveValue(new RegExp(`src="${link}"`));
  const host = await visitor(browser);
  for (const refused of [`/embed/${id}`, `/embed/${view.split("/share/")[1]}`]) {
    await host.goto(refused);
    await expect(host.getByText(/embed link|does not exist/)).toBeVisible({ timeout: 30_000 });
    await expect(host.getByTestId("embed")).toHaveCount(0);
  }
  await host.setContent(
    `<html><body><h1>Course page</h1><iframe src="${link}" width="800" height="420" style="border:0"></iframe></body></html>`,
  );
  const frame = host.frameLocator("iframe");
  await expect(frame.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await frame.getByRole("button", { name: "▶ Run" }).click();
  await expect(frame.getByTestId("embed-output")).toContainText("from the embed", { timeout: 30_000 });
  await expect(frame.getByTestId("embed-output")).toContainText("[exit 0]");
  await host.screenshot({ path: test.info().outputPath("embed.png") });
});

test("an embed's author picks file, read-only, theme, autorun and height; the embed runs on its own, streams, and Reset restores the code", async ({
  page,
  browser,
}) => {
  const id = await newSession(page, 'print("main file")\n');
  const origin = new URL(page.url()).origin;
  const put = await page.request.put(`/api/sessions/${id}/files/lesson.py`, {
    data: 'print("lesson file")\n',
    headers: { "content-type": "application/octet-stream", origin },
  });
  expect(put.status()).toBe(200);
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  await page.getByLabel("People with the link may").selectOption("embed");
  await page.getByLabel("File shown").selectOption("lesson.py");
  await page.getByLabel("Readers may edit the code").uncheck();
  await page.getByRole("button", { name: "Create link" }).click();
  const row = page.locator('[data-testid="share-row"][data-fresh="true"]');
  const link = await row.getByTestId("share-link").inputValue();
  await expect(row.getByText("Embed in a page: lesson.py, read-only")).toBeVisible();
  await row.getByLabel("Theme").selectOption("dark");
  await row.getByLabel("Run when shown").check();
  await row.getByLabel("Height (px)").fill("360");
  const snippet = await row.getByTestId("embed-snippet").inputValue();
  expect(snippet).toBe(
    `<iframe src="${link}?theme=dark&autorun=1" width="100%" height="360" style="border:0" title="Code example"></iframe>`,
  );
  await page.screenshot({ path: test.info().outputPath("embed-options.png") });

  // On a static page served from another origin: it runs by itself, dark, read-only.
  const course = await staticPage(`<!doctype html><html><body><h1>Course page</h1>${snippet}</body></html>`);
  const host = await visitor(browser);
  await host.goto(course.url);
  const frame = host.frameLocator("iframe");
  await expect(frame.getByTestId("embed-output")).toContainText("lesson file", { timeout: 30_000 });
  await expect(frame.getByTestId("embed-file")).toHaveText("lesson.py");
  await expect(frame.locator("html")).toHaveClass(/dark/);
  await expect(frame.getByText("read-only")).toBeVisible();
  expect((await host.locator("iframe").boundingBox())?.height).toBe(360);
  await host.screenshot({ path: test.info().outputPath("embed-dark.png") });

  // An editable embed: the reader edits, runs, and Reset brings the author's code back.
  await page.getByLabel("People with the link may").selectOption("embed");
  await page.getByLabel("Readers may edit the code").check();
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.locator('[data-testid="share-row"][data-role="embed"]')).toHaveCount(2);
  await expect(page.locator('[data-testid="share-row"][data-fresh="true"]').getByText("lesson.py, editable")).toBeVisible();
  const editable = await page.locator('[data-testid="share-row"][data-fresh="true"]').getByTestId("share-link").inputValue();
  const reader = await visitor(browser);
  await reader.goto(editable);
  await expect(reader.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await expect(reader.getByRole("button", { name: "Reset" })).toHaveCount(0);
  await setCode(reader, 'print("changed")');
  await reader.getByRole("button", { name: "▶ Run" }).click();
  await expect(reader.getByTestId("embed-output")).toContainText("changed", { timeout: 30_000 });
  await reader.getByRole("button", { name: "Reset" }).click();
  await expect(reader.locator(".monaco-editor").first()).toContainText('print("lesson file")');
  await expect(reader.getByRole("button", { name: "Reset" })).toHaveCount(0);

  // Output streams: the first line shows while the program still runs.
  await setCode(reader, 'import time\nprint("first", flush=True)\ntime.sleep(60)\nprint("second")');
  await reader.getByRole("button", { name: "▶ Run" }).click();
  await expect(reader.getByTestId("embed-output")).toContainText("first", { timeout: 30_000 });
  await expect(reader.getByRole("button", { name: "Running…" })).toBeVisible();
  await expect(reader.getByTestId("embed-output")).not.toContainText("second");
  await reader.close();
  course.server.close();
});

test("a class link is shown again after a reload with copy, a scannable QR code and a present view; revoke asks first, and a student whose link was revoked finds their copy", async ({
  page,
  browser,
  context,
}) => {
  await newSession(page, 'print("lesson one")\n');
  const link = await createLink(page, "class");

  // Shown again later: a reload (the owner coming back) still lists the same link.
  await page.reload();
  await page.getByTestId("share-panel").locator(":scope > summary").click();
  const row = page.locator('[data-testid="share-row"][data-role="class"]');
  await expect(row.getByTestId("share-link")).toHaveValue(link);

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await row.getByRole("button", { name: "Copy class link" }).click();
  await expect(row.getByRole("button", { name: "Copy class link" })).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  // The QR code decodes to the link.
  const qr = row.getByTestId("share-qr");
  await expect(qr).toBeVisible();
  const decoded = jsQR(...decodePng(await qr.screenshot()));
  expect(decoded?.data).toBe(link);

  // The present view: the link big, with a QR code, for a projector; Esc closes it.
  await row.getByRole("button", { name: "Present" }).click();
  const present = page.getByTestId("present-dialog");
  await expect(present.getByTestId("present-link")).toHaveText(link);
  await expect(present.getByRole("heading", { name: "Join the class" })).toBeVisible();
  const big = await present.getByTestId("share-qr").boundingBox();
  expect(big?.width ?? 0).toBeGreaterThanOrEqual(240);
  expect(jsQR(...decodePng(await present.getByTestId("share-qr").screenshot()))?.data).toBe(link);
  await page.screenshot({ path: test.info().outputPath("present.png") });
  await page.keyboard.press("Escape");
  await expect(present).toHaveCount(0);

  // A student joins, then the teacher revokes; Cancel keeps the link, confirming revokes it.
  const student = await visitor(browser);
  await joinClass(student, link, "Grace");
  const copy = decodeURIComponent(student.url().split("/s/")[1] ?? "");
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByTestId("share-link")).toHaveValue(link);
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.screenshot({ path: test.info().outputPath("revoke-confirm.png") });
  await row.getByRole("button", { name: "Yes, revoke" }).click();
  await expect(page.locator('[data-testid="share-row"][data-role="class"]')).toHaveCount(0);

  await student.goto(link);
  await expect(student.getByText(/revoked by its owner/)).toBeVisible({ timeout: 30_000 });
  await student.screenshot({ path: test.info().outputPath("revoked-class.png") });
  await student.getByTestId("own-copy-link").click();
  await student.waitForURL(new RegExp(`/s/${copy}$`));
  await expect(student.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });

  // Someone without a copy gets no pointer.
  const stranger = await visitor(browser);
  await stranger.goto(link);
  await expect(stranger.getByText(/revoked by its owner/)).toBeVisible({ timeout: 30_000 });
  await expect(stranger.getByTestId("own-copy-link")).toHaveCount(0);
});

/** A PNG screenshot as the RGBA pixels and size jsQR reads. */
function decodePng(png: Buffer): [Uint8ClampedArray, number, number] {
  const image = PNG.sync.read(png);
  return [new Uint8ClampedArray(image.data), image.width, image.height];
}

test("a teacher gets a class ready: sandboxes start ahead, the present view counts them, and a student who joins runs at once", async ({
  page,
  browser,
}) => {
  await newSession(page, 'print("ready for class")\n');
  const link = await createLink(page, "class");
  const row = page.locator('[data-testid="share-row"][data-role="class"]');
  await row.getByLabel("Students expected").fill("3");
  await row.getByRole("button", { name: "Get the class ready" }).click();
  const readiness = row.getByTestId("class-readiness");
  await expect(readiness).toHaveText(/Getting ready: \d of 3 students…|Ready for 3 students/);
  await expect(readiness).toHaveText("Ready for 3 students", { timeout: 60_000 });

  // The present view shows it under the link.
  await row.getByRole("button", { name: "Present" }).click();
  const present = page.getByTestId("present-dialog");
  await expect(present.getByTestId("class-readiness")).toHaveText("Ready for 3 students", { timeout: 60_000 });
  await page.screenshot({ path: "docs/screenshot-class-ready.png" });
  await page.keyboard.press("Escape");

  // A student joins and runs: their copy was running before they pressed Run.
  const student = await visitor(browser);
  await joinClass(student, link, "Ada");
  await student.getByRole("button", { name: "▶ Run" }).click();
  await expect(student.getByTestId("output")).toContainText("ready for class", { timeout: 30_000 });
  // One of the three came: two are still kept ready for the others.
  await expect(row.getByTestId("class-readiness")).toHaveText("Ready for 2 students", { timeout: 60_000 });
  await student.context().close();
});

test("a student carries their class copy to a second browser with a resume link; a revoked link stops working", async ({
  page,
  browser,
}) => {
  await newSession(page, 'print("homework")\n');
  const link = await createLink(page, "class");
  const school = await visitor(browser);
  await joinClass(school, link, "Noor");
  const copy = decodeURIComponent(school.url().split("/s/")[1] ?? "");
  await school.getByTestId("share-panel").locator(":scope > summary").click();
  await school.getByRole("button", { name: "Make a resume link" }).click();
  const resume = await school.getByTestId("resume-link").inputValue();
  expect(resume).toMatch(/\/resume\/[A-Za-z0-9_-]{43}$/);

  // At home: nothing changes until the student confirms; then the copy is theirs there too.
  const home = await visitor(browser);
  await home.goto(resume);
  await expect(home.getByRole("heading", { name: "Continue your sessions on this device" })).toBeVisible();
  await home.screenshot({ path: test.info().outputPath("resume.png") });
  await home.getByRole("button", { name: "Continue on this device" }).click();
  await home.waitForURL(/\/\?resumed=1$/);
  // The copy is listed under the name the student gave.
  await expect(home.locator(`a[href="/s/${copy}"]`)).toContainText("Noor", { timeout: 30_000 });
  await home.goto(`/s/${copy}`);
  await expect(home.getByTestId("code-editor")).toHaveAttribute("data-ready", "true", { timeout: 30_000 });
  await setCode(home, 'print("done at home")');
  await home.getByRole("button", { name: "▶ Run" }).click();
  await expect(home.getByTestId("output")).toContainText("done at home", { timeout: 30_000 });

  // Revoked at school: a third browser gets a clear refusal.
  await school.getByTestId("resume-panel").getByRole("button", { name: "Revoke" }).click();
  await school.getByTestId("resume-panel").getByRole("button", { name: "Yes, revoke" }).click();
  await expect(school.getByRole("button", { name: "Make a resume link" })).toBeVisible();
  const stranger = await visitor(browser);
  await stranger.goto(resume);
  await stranger.getByRole("button", { name: "Continue on this device" }).click();
  await expect(stranger.getByText(/does not exist or was revoked/)).toBeVisible();
});
