import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPILE_FAILED_EXIT_CODE } from "@/lib/languages";
import { sandboxHarness, type SandboxHarness } from "@/test/sandbox";
import { writeFile } from "./files";
import { run, type RunRequest } from "./runs";
import { exec } from "./shells";

let h: SandboxHarness;
let session: string;

beforeAll(async () => {
  h = await sandboxHarness();
  session = h.session();
});
afterAll(async () => h[Symbol.asyncDispose]());

const code = (language: RunRequest["language"], text: string, extra: Partial<RunRequest> = {}) =>
  run(h.manager, session, { language, source: { code: text }, ...extra });

const entry = (language: RunRequest["language"], file: string, extra: Partial<RunRequest> = {}) =>
  run(h.manager, session, { language, source: { entry: file }, ...extra });

async function write(files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) await writeFile(h.manager, session, file, Buffer.from(text));
}

/** Every file under a workspace folder, sorted: what a run left there. */
async function listed(folder: string): Promise<string[]> {
  const result = await exec(h.manager, session, { command: `cd /workspace/${folder} && find . -type f | sort` });
  return result.stdout.trim().split("\n");
}

const HELLO = {
  c: '#include <stdio.h>\nint main(int argc, char **argv) { printf("hello c %s\\n", argv[1]); return 0; }\n',
  cpp: '#include <iostream>\nint main(int argc, char **argv) { std::cout << "hello cpp " << argv[1] << std::endl; }\n',
  java: 'public class Hello {\n  public static void main(String[] args) { System.out.println("hello java " + args[0]); }\n}\n',
  rust: 'fn main() { println!("hello rust {}", std::env::args().nth(1).unwrap()); }\n',
} as const;

describe("Compiled languages", () => {
  it.each(Object.entries(HELLO))("compiles and runs inline %s with its arguments", async (language, text) => {
    const result = await code(language as RunRequest["language"], text, { args: ["there"] });
    expect(result).toMatchObject({ stdout: `hello ${language} there\n`, stderr: "", exitCode: 0 });
  });

  it.each([
    ["c", "int main(void) { return missing; }\n", "‘missing’ undeclared"],
    ["cpp", "int main() { return missing; }\n", "‘missing’ was not declared in this scope"],
    ["java", "class Main { public static void main(String[] a) { int x = missing; } }\n", "error: cannot find symbol"],
    ["rust", "fn main() { let x: i32 = missing; }\n", "cannot find value `missing`"],
  ] as const)("reports a %s compile error as such, with the compiler's diagnostics", async (language, text, diagnostic) => {
    const result = await code(language, text);
    expect(result.exitCode).toBe(COMPILE_FAILED_EXIT_CODE);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(diagnostic);
    expect(result.stderr).toMatch(/compilation failed \(\S+ exited with \d+\)\n$/);
    expect(result.stderr, "diagnostics name the file, not the run folder").not.toContain("/tmp/.sandpit");
  });

  it.each([
    ["c", "#include <stdlib.h>\nint main(void) { exit(3); }\n"],
    ["java", "class Main { public static void main(String[] a) { System.exit(3); } }\n"],
    ["rust", "fn main() { std::process::exit(3); }\n"],
  ] as const)("returns a %s program's own exit code, apart from a failed build", async (language, text) => {
    expect(await code(language, text)).toMatchObject({ exitCode: 3, stderr: "" });
  });

  it.each([
    [
      "c",
      "#include <stdio.h>\n#include <ctype.h>\nint main(void) { int ch; while ((ch = getchar()) != EOF) putchar(toupper(ch)); }\n",
    ],
    [
      "cpp",
      '#include <iostream>\n#include <string>\nint main() { std::string line; std::getline(std::cin, line); std::cout << line.size() << "\\n"; }\n',
    ],
    [
      "java",
      "import java.util.Scanner;\nclass Main { public static void main(String[] a) { System.out.println(new Scanner(System.in).nextLine().toUpperCase()); } }\n",
    ],
    [
      "rust",
      'use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); println!("{}", s.to_uppercase()); }\n',
    ],
  ] as const)("gives inline %s its stdin", async (language, text) => {
    const result = await code(language, text, { stdin: "piped in\n" });
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout.trim()).toBe(language === "cpp" ? "8" : "PIPED IN");
  });

  it("builds a C program from its folder's sources, leaving out other programs and keeping the binary out of the workspace", async () => {
    await write({
      "cprog/main.c": '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("twice %d\\n", twice(21)); return 0; }\n',
      "cprog/util.h": "int twice(int n);\n",
      "cprog/util.c": '#include "util.h"\nint twice(int n) { return 2 * n; }\n',
      "cprog/other.c": "int main(void) { return 7; }\n",
    });
    expect(await entry("c", "cprog/main.c")).toMatchObject({ stdout: "twice 42\n", stderr: "", exitCode: 0 });
    expect(await entry("c", "cprog/other.c")).toMatchObject({ exitCode: 7 });
    expect(await listed("cprog")).toEqual(["./main.c", "./other.c", "./util.c", "./util.h"]);
  });

  it("builds a C++ program from several files", async () => {
    await write({
      "cppprog/main.cpp":
        '#include <iostream>\n#include "shapes.hpp"\nint main() { std::cout << Square(3).area() << std::endl; }\n',
      "cppprog/shapes.hpp": "struct Square { int side; explicit Square(int s); int area() const; };\n",
      "cppprog/shapes.cc":
        '#include "shapes.hpp"\nSquare::Square(int s) : side(s) {}\nint Square::area() const { return side * side; }\n',
    });
    expect(await entry("cpp", "cppprog/main.cpp", { args: ["x"] })).toMatchObject({ stdout: "9\n", stderr: "", exitCode: 0 });
    expect(await listed("cppprog")).toEqual(["./main.cpp", "./shapes.cc", "./shapes.hpp"]);
  });

  it("compiles a Java entry file with the classes beside it, and one in a package from its package's root", async () => {
    await write({
      "javaprog/Main.java":
        "public class Main {\n  public static void main(String[] args) { System.out.println(new Greeter().greet(args[0])); }\n}\n",
      "javaprog/Greeter.java": 'class Greeter { String greet(String name) { return "hi " + name; } }\n',
      "javasrc/app/App.java":
        'package app;\n\nimport app.util.Twice;\n\npublic class App {\n  public static void main(String[] args) { System.out.println("app " + Twice.of(21)); }\n}\n',
      "javasrc/app/util/Twice.java":
        "package app.util;\n\npublic class Twice { public static int of(int n) { return 2 * n; } }\n",
    });
    expect(await entry("java", "javaprog/Main.java", { args: ["you"] })).toMatchObject({
      stdout: "hi you\n",
      stderr: "",
      exitCode: 0,
    });
    expect(await entry("java", "javasrc/app/App.java")).toMatchObject({ stdout: "app 42\n", stderr: "", exitCode: 0 });
    expect(await listed("javaprog")).toEqual(["./Greeter.java", "./Main.java"]);
    expect(await listed("javasrc")).toEqual(["./app/App.java", "./app/util/Twice.java"]);
  });

  it("compiles a Rust file with its module file, and a Cargo project offline with its target out of the workspace", async () => {
    await write({
      "rustprog/main.rs": 'mod util;\nfn main() { println!("twice {}", util::twice(21)); }\n',
      "rustprog/util.rs": "pub fn twice(n: i32) -> i32 { 2 * n }\n",
      "cargoproj/Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
      "cargoproj/src/main.rs": 'mod shout;\nfn main() { println!("{}", shout::shout(&std::env::args().nth(1).unwrap())); }\n',
      "cargoproj/src/shout.rs": "pub fn shout(s: &str) -> String { s.to_uppercase() }\n",
      "cargoproj/src/bin/extra.rs": 'fn main() { println!("extra"); }\n',
    });
    expect(await entry("rust", "rustprog/main.rs")).toMatchObject({ stdout: "twice 42\n", stderr: "", exitCode: 0 });
    expect(await entry("rust", "cargoproj/src/main.rs", { args: ["loud"] })).toMatchObject({
      stdout: "LOUD\n",
      stderr: "",
      exitCode: 0,
    });
    expect(await entry("rust", "cargoproj/src/bin/extra.rs")).toMatchObject({ stdout: "extra\n", exitCode: 0 });
    expect(await listed("rustprog")).toEqual(["./main.rs", "./util.rs"]);
    // cargo records the resolved (empty) dependency set in Cargo.lock, as it does anywhere; no target/.
    expect(await listed("cargoproj")).toEqual([
      "./Cargo.lock",
      "./Cargo.toml",
      "./src/bin/extra.rs",
      "./src/main.rs",
      "./src/shout.rs",
    ]);
    await write({ "cargoproj/src/shout.rs": "pub fn shout(s: &str) -> String { s.to_uppercase( }\n" });
    const broken = await entry("rust", "cargoproj/src/main.rs", { args: ["x"] });
    expect(broken.exitCode).toBe(COMPILE_FAILED_EXIT_CODE);
    expect(broken.stderr).toContain("compilation failed (cargo exited with 101)");
  });

  it("reports a compile error in an entry file as such", async () => {
    await write({
      "broken/Main.java": "public class Main { void f() { return 1; } }\n",
      "broken/main.c": "int main(void) { oops }\n",
    });
    for (const [language, file] of [
      ["java", "broken/Main.java"],
      ["c", "broken/main.c"],
    ] as const) {
      const result = await entry(language, file);
      expect(result.exitCode, language).toBe(COMPILE_FAILED_EXIT_CODE);
      expect(result.stderr, language).toContain("error");
    }
  });

  it("leaves nothing of the runs in the run folders", async () => {
    const left = await exec(h.manager, session, { command: "ls -A /tmp/.sandpit/runs 2>/dev/null | wc -l" });
    expect(left.stdout).toBe("0\n");
  });

  it("compiles and runs with gcc, g++, javac and rustc in a shell", async () => {
    const command = [
      "cd /tmp && mkdir -p shellbuild && cd shellbuild",
      "printf '#include <stdio.h>\\nint main(void){puts(\"gcc ok\");}\\n' > a.c && gcc a.c -o a && ./a",
      "printf '#include <cstdio>\\nint main(){puts(\"g++ ok\");}\\n' > b.cpp && g++ b.cpp -o b && ./b",
      "printf 'class C { public static void main(String[] a) { System.out.println(\"javac ok\"); } }\\n' > C.java && javac C.java && java C",
      "printf 'fn main() { println!(\"rustc ok\"); }\\n' > r.rs && rustc r.rs -o r && ./r",
      "cd /tmp && rm -rf shellbuild",
    ].join(" && ");
    const result = await exec(h.manager, session, { command, timeoutMs: 120_000 });
    expect(result).toMatchObject({ stdout: "gcc ok\ng++ ok\njavac ok\nrustc ok\n", exitCode: 0 });
  });
});
