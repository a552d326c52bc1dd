import { describe, expect, it } from "vitest";
import { CHANGES_MAX_FILES, compareCopies } from "./copy-changes";

const sides = (template: Record<string, string | null>, copy: Record<string, string | null>) => ({
  template: Object.keys(template),
  copy: Object.keys(copy),
  read: (side: "template" | "copy", path: string): Promise<Buffer | null> => {
    const value = (side === "template" ? template : copy)[path];
    return Promise.resolve(value === null || value === undefined ? null : Buffer.from(value));
  },
});

describe("compareCopies", () => {
  it("counts added, removed, changed and unchanged files, with a unified diff for text", async () => {
    const s = sides(
      { "main.py": 'print("hi")\n', "data.csv": "a,b\n", "notes.md": "same\n" },
      { "main.py": 'print("hello")\n', "notes.md": "same\n", "extra.py": "x = 1\n" },
    );
    const changes = await compareCopies("tpl", s.template, s.copy, s.read);
    expect(changes).toMatchObject({ template_id: "tpl", added: 1, removed: 1, changed: 1, unchanged: 1, truncated: false });
    expect(changes.files.map((file) => [file.path, file.status])).toEqual([
      ["data.csv", "removed"],
      ["extra.py", "added"],
      ["main.py", "changed"],
    ]);
    const main = changes.files.find((file) => file.path === "main.py");
    expect(main?.patch).toContain('-print("hi")');
    expect(main?.patch).toContain('+print("hello")');
  });

  it("gives no diff for binary files, lists files too big to compare, and stops at the file limit", async () => {
    const binary = sides({ "img.png": "\u0000\uffff" }, { "img.png": "\u0000\ufffe", "big.bin": null });
    const changes = await compareCopies("tpl", binary.template, binary.copy, async (side, path) =>
      path === "img.png" ? Buffer.from(side === "template" ? [0x89, 0xff, 0x00] : [0x89, 0xfe, 0x00]) : binary.read(side, path),
    );
    expect(changes.files).toEqual([{ path: "img.png", status: "changed", patch: null, no_patch: "binary" }]);
    expect(changes.not_compared).toEqual(["big.bin"]);

    const many = Array.from({ length: CHANGES_MAX_FILES + 5 }, (_, i) => `f${String(i).padStart(4, "0")}`);
    const cut = await compareCopies("tpl", many, many, () => Promise.resolve(Buffer.from("same")));
    expect(cut.truncated).toBe(true);
    expect(cut.unchanged).toBe(CHANGES_MAX_FILES);
  });
});
