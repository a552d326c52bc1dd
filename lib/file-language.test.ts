import { describe, expect, it } from "vitest";
import { languageForFile, monacoLanguage } from "./file-language";

describe("languageForFile", () => {
  it("picks the runner by extension", () => {
    expect(languageForFile("app/main.py", "node")).toBe("python");
    expect(languageForFile("x.mjs", "python")).toBe("node");
    expect(languageForFile("x.ts", "node")).toBe("typescript");
    expect(languageForFile("README.md", "python")).toBeUndefined();
  });

  it("prefers the session's language when it runs the extension too", () => {
    expect(languageForFile("x.ts", "deno")).toBe("deno");
    expect(languageForFile("x.ts", "typescript")).toBe("typescript");
  });

  it("runs C, C++, Java and Rust files with their compilers", () => {
    expect(languageForFile("src/main.c", "python")).toBe("c");
    expect(languageForFile("a.cpp", "c")).toBe("cpp");
    expect(languageForFile("a.cc", "python")).toBe("cpp");
    expect(languageForFile("Main.java", "python")).toBe("java");
    expect(languageForFile("src/main.rs", "python")).toBe("rust");
    expect(languageForFile("util.h", "c")).toBeUndefined();
  });

  it("gives Monaco its mode", () => {
    expect(monacoLanguage("a.go")).toBe("go");
    expect(monacoLanguage("a.cpp")).toBe("cpp");
    expect(monacoLanguage("a.h")).toBe("c");
    expect(monacoLanguage("Main.java")).toBe("java");
    expect(monacoLanguage("lib.rs")).toBe("rust");
    expect(monacoLanguage("Makefile")).toBe("plaintext");
  });
});
