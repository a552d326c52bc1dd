import { describe, expect, it } from "vitest";
import { chooseRunTarget, fileKind, imageType } from "./file-kind";

describe("fileKind", () => {
  it("shows images in the viewer, whatever their encoding (an SVG is text)", () => {
    expect(fileKind("logo.png", "base64")).toBe("image");
    expect(fileKind("a/b/photo.JPEG", "base64")).toBe("image");
    expect(fileKind("icon.svg", "utf8")).toBe("image");
    expect(fileKind("anim.gif", "base64")).toBe("image");
    expect(fileKind("pic.webp", "base64")).toBe("image");
    expect(imageType("icon.svg")).toBe("image/svg+xml");
  });

  it("never gives a text buffer to bytes that are not text", () => {
    expect(fileKind("data.bin", "base64")).toBe("binary");
    expect(fileKind("main.py", "base64")).toBe("binary");
    expect(fileKind("table.csv", "base64")).toBe("binary");
  });

  it("shows CSV as a table and everything else as text", () => {
    expect(fileKind("table.csv", "utf8")).toBe("csv");
    expect(fileKind("main.py", "utf8")).toBe("text");
    expect(fileKind("README", "utf8")).toBe("text");
    expect(fileKind("notes.txt", "utf8")).toBe("text");
  });
});

describe("chooseRunTarget", () => {
  const base = { pinned: null, entry: null, open: null, runnable: ["a.py", "b.py"], sessionLanguage: "python" as const };
  it("runs the picked file, else the entry file, else the open file a language runs, else the first runnable", () => {
    expect(chooseRunTarget({ ...base, pinned: "b.py", entry: "a.py", open: "a.py" })).toBe("b.py");
    expect(chooseRunTarget({ ...base, entry: "b.py", open: "a.py" })).toBe("b.py");
    expect(chooseRunTarget({ ...base, open: "b.py" })).toBe("b.py");
    expect(chooseRunTarget({ ...base, open: "data.csv" })).toBe("a.py");
    expect(chooseRunTarget({ ...base, open: "logo.png", runnable: [] })).toBeNull();
  });
  it("passes over a picked or entry file that is gone, but trusts them while the list is unknown", () => {
    expect(chooseRunTarget({ ...base, pinned: "gone.py", entry: "gone2.py", open: "b.py" })).toBe("b.py");
    expect(chooseRunTarget({ ...base, pinned: "later.py", runnable: undefined })).toBe("later.py");
  });
});
