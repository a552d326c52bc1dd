import { describe, expect, it } from "vitest";
import { fileKind, imageType, runTarget } from "./file-kind";

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

describe("runTarget", () => {
  it("runs an open file a language runs", () => {
    expect(runTarget("main.py", "python")).toEqual({ kind: "file", path: "main.py", language: "python" });
    expect(runTarget("src/app.ts", "deno")).toEqual({ kind: "file", path: "src/app.ts", language: "deno" });
  });

  it("runs the scratch buffer, never a CSV, PNG or TXT as Python", () => {
    expect(runTarget("data.csv", "python")).toEqual({ kind: "scratch" });
    expect(runTarget("logo.png", "python")).toEqual({ kind: "scratch" });
    expect(runTarget("notes.txt", "python")).toEqual({ kind: "scratch" });
    expect(runTarget(null, "python")).toEqual({ kind: "scratch" });
  });
});
