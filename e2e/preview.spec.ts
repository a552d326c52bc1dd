import { expect, test, type Page } from "@playwright/test";
import { asPage, createSession, putFile, setCode } from "./helpers";

// Web apps running in the sandbox, seen in the IDE's preview pane: each on an origin of its own
// (a *.localhost name, which the browser resolves to this machine), relayed through the
// sandbox's agent, with no network given to the sandbox.

const preview = (page: Page) => page.frameLocator('iframe[title^="Preview of port"]');

async function serve(page: Page): Promise<void> {
  await page.getByRole("checkbox", { name: "Serve" }).check();
  await page.getByRole("button", { name: /Run/ }).first().click();
}

// A small WebSocket server written out by hand (RFC 6455 text frames under 126 bytes), and a
// server-sent "reload" when index.html changes: what a dev server with live reload does.
const NODE_APP = `
const http = require("node:http");
const fs = require("node:fs");
const crypto = require("node:crypto");
const clients = new Set();
fs.watchFile("index.html", { interval: 200 }, () => { for (const c of clients) c.write("data: reload\\n\\n"); });
const server = http.createServer((req, res) => {
  if (req.url === "/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.write(": hello\\n\\n");
    clients.add(res);
    req.on("close", () => clients.delete(res));
    return;
  }
  const page = fs.readFileSync("index.html", "utf8");
  res.writeHead(200, { "content-type": "text/html" });
  res.end(page + \`<p id="ws">connecting</p><script>
    new EventSource("/events").onmessage = () => location.reload();
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => ws.send("ping");
    ws.onmessage = (m) => { document.getElementById("ws").textContent = "websocket says " + m.data; };
  </script>\`);
});
server.on("upgrade", (req, socket) => {
  const accept = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
  socket.on("data", (frame) => {
    const length = frame[1] & 127;
    const mask = frame.subarray(2, 6);
    const text = Buffer.from(frame.subarray(6, 6 + length).map((b, i) => b ^ mask[i % 4])).toString();
    const reply = Buffer.from("echo " + text);
    socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
  });
});
server.listen(8000, () => console.log("serving on 8000"));
`;

test.describe("Previews", () => {
  test("show Python's http.server from the sandbox in the preview pane, on its own origin", async ({ page }) => {
    const id = await createSession(page, "Python");
    await putFile(page, id, "index.html", "<h1>Hello from the sandbox</h1>");
    await setCode(
      page,
      "import http.server\nhttp.server.ThreadingHTTPServer(('0.0.0.0', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()\n",
    );
    await serve(page);
    await expect(preview(page).getByRole("heading", { name: "Hello from the sandbox" })).toBeVisible({ timeout: 30_000 });
    const origin = await page.getByTestId("preview-origin").textContent();
    expect(origin).toMatch(/^8000--[a-z2-7]{26}\.localhost:\d+$/);
    // The frame is another origin: Sandpit's page cannot reach into it, nor it into Sandpit.
    const frameUrl =
      page
        .frames()
        .find((frame) => frame.url().includes(".localhost"))
        ?.url() ?? "";
    expect(new URL(frameUrl).host).toBe(origin);
    const sandpitCookies = await page.context().cookies(page.url());
    expect(sandpitCookies.some((cookie) => cookie.name === "sandpit_owner")).toBe(true);
    const frame = page.frames().find((f) => f.url().includes(".localhost"));
    expect(await frame?.evaluate(() => document.cookie)).not.toContain("sandpit_owner");
    await page.screenshot({ path: "test-results/preview-python.png" });
  });

  test("relay a Node server's WebSocket, and reload the page when a watched file changes", async ({ page }) => {
    const id = await createSession(page, "Node.js");
    await putFile(page, id, "index.html", "<h1>Version one</h1>");
    await setCode(page, NODE_APP);
    await serve(page);
    const frame = preview(page);
    await expect(frame.getByRole("heading", { name: "Version one" })).toBeVisible({ timeout: 30_000 });
    await expect(frame.locator("#ws")).toHaveText("websocket says echo ping", { timeout: 15_000 });
    // Live reload: the server streams an event, the page reloads itself, through the preview.
    await putFile(page, id, "index.html", "<h1>Version two</h1>");
    await expect(frame.getByRole("heading", { name: "Version two" })).toBeVisible({ timeout: 15_000 });
    // Stop ends the server; the pane says nothing listens any more.
    await page.getByRole("button", { name: /Stop/ }).click();
    await expect(page.getByText("Nothing listens on port 8000 any more.")).toBeVisible({ timeout: 15_000 });
  });

  test("show a real dev server (Vite, installed by the session's setup) that reloads when a file changes", async ({ page }) => {
    test.setTimeout(240_000);
    let connected = false;
    page.on("console", (message) => (connected ||= message.text() === "[vite] connected."));
    const id = await createSession(page, "Node.js", async (p) => {
      const npm = p.getByLabel("npm packages");
      await npm.fill("vite@6");
      await npm.press("Enter");
    });
    const panel = page.getByTestId("status-panel");
    await expect(panel.locator("[data-status]").first()).toHaveAttribute("data-status", "completed", { timeout: 180_000 });
    await putFile(page, id, "site/index.html", '<h1>Vite one</h1><script type="module" src="/main.js"></script>');
    await putFile(
      page,
      id,
      "site/main.js",
      'document.body.append(Object.assign(document.createElement("p"), { id: "js", textContent: "module ran" }));',
    );
    await setCode(
      page,
      'const { createServer } = require("vite");\n' +
        "(async () => {\n" +
        '  const server = await createServer({ root: "site", cacheDir: "/tmp/vite", server: { host: "0.0.0.0", port: 5173 } });\n' +
        "  await server.listen();\n" +
        "  server.printUrls();\n" +
        "})();\n",
    );
    await serve(page);
    const frame = preview(page);
    await expect(frame.getByRole("heading", { name: "Vite one" })).toBeVisible({ timeout: 60_000 });
    await expect(frame.locator("#js")).toHaveText("module ran");
    // Vite's client keeps a WebSocket to the dev server through the preview, and reloads on a change.
    await expect.poll(() => connected, { timeout: 30_000 }).toBe(true);
    // (Vite's watcher may still be taking its first look at the folder: the change is written again until seen.)
    await expect(async () => {
      await putFile(page, id, "site/index.html", '<h1>Vite two</h1><script type="module" src="/main.js"></script>');
      await expect(frame.getByRole("heading", { name: "Vite two" })).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: 45_000 });
  });

  test("open for a share link's visitor only when the owner allows it", async ({ page, browser }) => {
    const id = await createSession(page, "Python");
    await putFile(page, id, "index.html", "<h1>Shared app</h1>");
    await setCode(
      page,
      "import http.server\nhttp.server.ThreadingHTTPServer(('0.0.0.0', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()\n",
    );
    await serve(page);
    await expect(preview(page).getByRole("heading", { name: "Shared app" })).toBeVisible({ timeout: 30_000 });
    const created = await page.request.post(`/api/trpc/shares.create`, {
      headers: { ...asPage(page), "content-type": "application/json" },
      data: { json: { id, role: "view" } },
    });
    expect(created.status()).toBe(200);
    const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;

    const visitor = await browser.newContext();
    const visitorPage = await visitor.newPage();
    await visitorPage.goto(`/share/${token}`);
    await expect(visitorPage.getByTestId("shared-code")).toBeVisible();
    await expect(visitorPage.getByTestId("preview-pane")).toHaveCount(0);

    await page
      .getByText(/^Share/)
      .first()
      .click();
    await page.getByRole("checkbox", { name: /may open its previews/ }).check();
    await visitorPage.reload();
    await expect(preview(visitorPage).getByRole("heading", { name: "Shared app" })).toBeVisible({ timeout: 30_000 });

    // Taken back: the visitor's open preview stops answering.
    await page.getByRole("checkbox", { name: /may open its previews/ }).uncheck();
    await expect(visitorPage.getByText(/has not shared its previews/)).toBeVisible({ timeout: 15_000 });
    await visitor.close();
  });
});
