import { expect, test, type APIRequestContext } from "@playwright/test";

// One session's preview must not set cookies another session's preview receives. A hostile page
// tries the parent domain of its own host, from script and in its answer to a WebSocket handshake:
// preview hosts sit right under localhost, for which browsers refuse cookies, and the gateway
// takes Domain out of an app's handshake cookies as out of its other answers.

const APP = `
const http = require("node:http");
const crypto = require("node:crypto");
const server = http.createServer((req, res) => {
  const seen = (req.headers.cookie ?? "").replace(/[<&]/g, "");
  const toss = req.url === "/toss"
    ? '<script>document.cookie = "tossed_by_script=1; domain=" + location.hostname.split(".").slice(1).join(".") + "; path=/";' +
      'new WebSocket("ws://" + location.host + "/ws").onopen = () => (document.title = "socket open");</script>'
    : "";
  res.writeHead(200, { "content-type": "text/html" });
  res.end('<pre id="seen">' + seen + "</pre>" + toss);
});
server.on("upgrade", (req, socket) => {
  const accept = crypto.createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept +
    "\\r\\nSet-Cookie: tossed_by_handshake=1; Domain=" + req.headers.host.split(":")[0].split(".").slice(1).join(".") + "; Path=/; HttpOnly\\r\\n\\r\\n");
});
server.listen(8000);
`;

async function servedPreview(request: APIRequestContext, id: string): Promise<{ url: string; origin: string }> {
  expect((await request.post("/api/sessions", { data: { language: "node", session_id: id } })).status()).toBe(201);
  expect((await request.post(`/api/sessions/${id}/runs`, { data: { code: APP, serve: true } })).status()).toBe(202);
  let link: { url: string; origin: string } | undefined;
  await expect
    .poll(
      async () => {
        const listed = (await (await request.get(`/api/sessions/${id}/ports`)).json()) as {
          ports: Array<{ port: number; url: string; origin: string }>;
        };
        link = listed.ports.find((p) => p.port === 8000);
        return link !== undefined;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return link as { url: string; origin: string };
}

test("a preview cannot set cookies that another session's preview receives", async ({ page, request }) => {
  const victim = await servedPreview(request, "rt-cookie-victim");
  const hostile = await servedPreview(request, "rt-cookie-hostile");
  await page.goto(victim.url);
  await expect(page.locator("#seen")).toHaveText("");
  // The hostile session's page, opened by the same browser (its owner shared it, say).
  await page.goto(`${hostile.url}&to=/toss`);
  await expect(page).toHaveTitle("socket open");
  await page.goto(`${victim.origin}/`);
  const seen = (await page.locator("#seen").textContent()) ?? "";
  expect(seen).not.toContain("tossed_by_script");
  expect(seen).not.toContain("tossed_by_handshake");
});
