import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { FsObjectStore } from "./fs-object-store";
import { ObjectNotFoundError } from "./object-store";

function store(): { store: FsObjectStore; root: string } {
  const root = mkdtempSync(path.join(tmpdir(), "objects-"));
  return { store: new FsObjectStore(root), root };
}

describe("FsObjectStore", () => {
  it("stores, reads, sizes, lists and deletes objects", async () => {
    const { store: objects } = store();
    await objects.put("layers/abc.tar.zst", Buffer.from("layer bytes"));
    await objects.put("snapshots/s1.tar.zst", Readable.from(["snap", "shot"]));
    expect(await text(await objects.get("layers/abc.tar.zst"))).toBe("layer bytes");
    expect(await objects.head("snapshots/s1.tar.zst")).toBe(8);
    expect((await objects.list("layers/")).map((o) => o.key)).toEqual(["layers/abc.tar.zst"]);
    await objects.delete("layers/abc.tar.zst");
    expect(await objects.head("layers/abc.tar.zst")).toBeUndefined();
    await expect(objects.get("layers/abc.tar.zst")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it("never leaves a partial object when the upload fails", async () => {
    const { store: objects, root } = store();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error("connection lost"));
      },
    });
    await expect(objects.put("layers/partial.tar.zst", failing)).rejects.toThrow("connection lost");
    expect(await objects.head("layers/partial.tar.zst")).toBeUndefined();
    expect(readdirSync(path.join(root, ".tmp"))).toEqual([]);
  });

  it("refuses keys that climb out of the store", async () => {
    const { store: objects } = store();
    for (const key of ["../escape", "/abs", "a//b", "a/./b", ""]) {
      await expect(objects.put(key, Buffer.from("x"))).rejects.toThrow(`invalid object key "${key}"`);
    }
  });

  it("passes its health check on a writable folder", async () => {
    const { store: objects } = store();
    await expect(objects.check()).resolves.toBeUndefined();
  });
});
