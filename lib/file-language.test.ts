import { describe, expect, it } from "vitest";
import { languageForFile, monacoLanguage } from "./file-language";

describe("languageForFile", () => {
  it("picks the runner by extension", () => {
    expect(languageForFile("app/main.py", "node")).toBe("python");
    expect(languageForFile("x.mjs", "python")).toBe("node");
    expect(languageForFile("x.ts", "node")).toBe("typescript");
    expect(languageForFile("x.ts", "deno")).toBe("deno");
    expect(languageForFile("README.md", "python")).toBeUndefined();
  });

  it("gives Monaco its mode", () => {
    expect(monacoLanguage("a.go")).toBe("go");
    expect(monacoLanguage("Makefile")).toBe("plaintext");
  });
});
