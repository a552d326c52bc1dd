import { describe, expect, it } from "vitest";
import { languageSchema } from "@/lib/api/schemas";
import { LANGUAGE_ALIASES, LANGUAGE_IDS, LANGUAGES, languageList, packageSteps, sandboxEnv, setupEnv } from ".";
import { javaNames } from "./java";

describe("the language registry", () => {
  it("holds one package step per package manager, installing into the layer as plain arguments", () => {
    expect(packageSteps().map((step) => step.manager)).toEqual(["pip", "npm", "go"]);
    for (const step of packageSteps()) {
      const [command] = step.install(["pkg-a", "pkg-b"], "/opt/layer", {});
      expect(command?.argv.slice(-2), step.manager).toEqual(["pkg-a", "pkg-b"]);
      expect(command?.argv.join(" "), step.manager).toContain(`/opt/layer/`);
    }
  });

  it("gives every language a unique id, a label, an extension, an editor mode and starter code", () => {
    expect(new Set(LANGUAGE_IDS).size).toBe(LANGUAGES.length);
    for (const language of LANGUAGES) {
      expect(language.label, language.id).not.toBe("");
      expect(language.extensions.length, language.id).toBeGreaterThan(0);
      expect(language.monaco, language.id).not.toBe("");
      expect(language.starter.endsWith("\n"), language.id).toBe(true);
    }
  });

  it("lets no alias name two languages", () => {
    const names = LANGUAGES.flatMap((language) => [language.id, ...language.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toBe(name.toLowerCase());
  });

  it("accepts every id and alias in the API, whatever its case", () => {
    expect(languageSchema.parse("C")).toBe("c");
    expect(languageSchema.parse("c++")).toBe("cpp");
    expect(languageSchema.parse("Java")).toBe("java");
    expect(languageSchema.parse("rs")).toBe("rust");
    expect(languageSchema.parse("golang")).toBe("go");
    for (const [alias, id] of Object.entries(LANGUAGE_ALIASES)) expect(languageSchema.parse(alias)).toBe(id);
    expect(() => languageSchema.parse("cobol")).toThrow(/unknown language .*cobol.*; use one of python, .*, rust/);
  });

  it("names every language in its list for descriptions", () => {
    expect(languageList()).toBe("python, node, typescript, go, deno, bash, c, cpp, java or rust");
  });

  it("collects each language's sandbox and setup env", () => {
    expect(sandboxEnv()).toMatchObject({ GOPROXY: "off", GOSUMDB: "off", GOFLAGS: "-mod=mod", CARGO_HOME: "/tmp/cargo" });
    expect(setupEnv()).toMatchObject({ NPM_CONFIG_CACHE: "/tmp/npm-cache", GOCACHE: "/tmp/go-cache", CARGO_HOME: "/tmp/cargo" });
  });
});

describe("javaNames", () => {
  it("runs Main from Main.java when the code names no public class", () => {
    expect(javaNames("class Main { public static void main(String[] a) {} }")).toEqual({
      file: "Main.java",
      mainClass: "Main",
    });
  });

  it("names the file after the public class and runs the class that declares main", () => {
    const code = [
      "import java.util.*;",
      "class Helper { static int twice(int n) { return 2 * n; } }",
      "public final class Greeter {",
      "  static class Inner { void run() {} }",
      '  // class Decoy { void main() {} } and "class Quoted {"',
      "  public static void main(String[] args) { System.out.println('}'); }",
      "}",
    ].join("\n");
    expect(javaNames(code)).toEqual({ file: "Greeter.java", mainClass: "Greeter" });
  });

  it("runs a class without public in its package", () => {
    expect(javaNames("package app.tools;\n\nclass Tool {\n  static void main(String[] args) {}\n}\n")).toEqual({
      file: "Main.java",
      mainClass: "app.tools.Tool",
    });
  });
});
