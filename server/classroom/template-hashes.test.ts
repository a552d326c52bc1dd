import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FileEntry } from "@/server/sandbox/agent/inside/protocol";
import type { SandboxManager } from "@/server/sandbox/manager";
import { TemplateHashes } from "./template-hashes";

/** A template's workspace as its agent answers fs.list and fs.read, counting what is asked. */
function fakeTemplate(files: Record<string, { text: string; mtimeMs?: number }>) {
  const asked = { lists: 0, reads: [] as string[] };
  const entry = (path: string): FileEntry => {
    const file = files[path] as { text: string; mtimeMs?: number };
    return { path, type: "file", size: Buffer.byteLength(file.text), mtimeMs: file.mtimeMs ?? 1, mode: 0o644 };
  };
  const agent = {
    request: async (op: string, params: { path: string; offset: number; length: number }): Promise<unknown> => {
      await Promise.resolve();
      if (op === "fs.list") {
        asked.lists += 1;
        return Object.keys(files).map(entry);
      }
      if (params.offset === 0) asked.reads.push(params.path);
      const data = Buffer.from(files[params.path]?.text ?? "").subarray(params.offset, params.offset + params.length);
      return { data: data.toString("base64"), entry: entry(params.path) };
    },
  };
  const sandboxes = { use: (_id: string, work: (sandbox: { agent: typeof agent }) => Promise<unknown>) => work({ agent }) };
  return { sandboxes: sandboxes as unknown as SandboxManager, asked, files };
}

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("TemplateHashes", () => {
  it("hashes the files updates send, and leaves out secrets, generated folders and files too big to send", async () => {
    const { sandboxes } = fakeTemplate({
      "main.py": { text: "print(1)\n" },
      ".env": { text: "TOKEN=x\n" },
      "node_modules/a/index.js": { text: "x" },
      "__pycache__/main.pyc": { text: "x" },
      "big.bin": { text: "x".repeat(1024 * 1024 + 1) },
    });
    expect(await new TemplateHashes(sandboxes).current("t@1", "t")).toEqual({ "main.py": sha("print(1)\n") });
  });

  it("reads a file again only when its size or time changed, and a class joining at once lists the template once", async () => {
    const { sandboxes, asked, files } = fakeTemplate({ "main.py": { text: "print(1)\n" }, "data.csv": { text: "a,b\n" } });
    const hashes = new TemplateHashes(sandboxes);
    const together = await Promise.all(Array.from({ length: 30 }, () => hashes.current("t@1", "t")));
    expect(new Set(together.map((h) => JSON.stringify(h))).size).toBe(1);
    expect(asked.lists).toBe(1);
    expect(asked.reads.sort()).toEqual(["data.csv", "main.py"]);

    files["main.py"] = { text: "print(2)\n", mtimeMs: 2 };
    expect(await hashes.current("t@1", "t")).toEqual({ "main.py": sha("print(2)\n"), "data.csv": sha("a,b\n") });
    expect(asked.reads.sort()).toEqual(["data.csv", "main.py", "main.py"]);
    // Another template that took the same id later starts afresh.
    await hashes.current("t@2", "t");
    expect(asked.reads).toHaveLength(5);
  });
});
