import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpServer } from "@/server/mcp/server";
import type { Services } from "@/server/services";
import { anonymousCaller } from "@/server/sessions/caller";
import { testServices } from "@/test/services";

let services: Services & AsyncDisposable;
let mcp: Client;

beforeAll(async () => {
  services = await testServices();
  const caller = anonymousCaller();
  await services.sessions.create(caller, { language: "python", session_id: "mcp-plot" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(services, caller).connect(serverSide);
  mcp = new Client({ name: "test", version: "1" });
  await mcp.connect(clientSide);
}, 120_000);
afterAll(async () => {
  await mcp?.close();
  await services?.[Symbol.asyncDispose]();
});

describe("MCP run_code", () => {
  it("gives the images a run showed as image content, and other outputs in the result", async () => {
    const result = await mcp.callTool({
      name: "run_code",
      arguments: {
        session_id: "mcp-plot",
        code: 'import matplotlib.pyplot as plt\nfrom sandpit_display import display\nplt.bar(["a", "b"], [3, 5])\nplt.show()\ndisplay("**note**", mime="text/markdown")\n',
      },
    });
    expect(result.isError).toBeFalsy();
    const content = result.content as Array<{ type: string; text?: string; data?: string; mimeType?: string }>;
    expect(content.map((part) => part.type)).toEqual(["text", "image"]);
    const view = JSON.parse(content[0]?.text ?? "{}") as { exit_code: number; outputs: Array<Record<string, string>> };
    expect(view.exit_code).toBe(0);
    expect(view.outputs).toEqual([
      { mime: "image/png", shown: "as image content below" },
      { mime: "text/markdown", data: Buffer.from("**note**").toString("base64") },
    ]);
    expect(content[1]?.mimeType).toBe("image/png");
    expect(
      Buffer.from(content[1]?.data ?? "", "base64")
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  }, 60_000);
});
