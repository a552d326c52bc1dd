import { beforeAll, describe, expect, it } from "vitest";
import { runOnce, testDocker } from "@/test/docker";

const { docker, image } = testDocker();

describe("the runtime image", () => {
  beforeAll(async () => {
    await docker.getImage(image).inspect(); // built by the test command; fails clearly when missing
  });

  it("runs as the non-root sandbox user in /workspace", async () => {
    const result = await runOnce(docker, image, ["bash", "-c", 'echo "$(id -u):$(id -un):$(pwd)"']);
    expect(result).toMatchObject({ exitCode: 0, stdout: "1000:sandbox:/workspace\n" });
  });

  it("runs python3 -c", async () => {
    const result = await runOnce(docker, image, ["python3", "-c", "import sys, venv; print(sys.version_info[0] * 7)"]);
    expect(result).toMatchObject({ exitCode: 0, stdout: "21\n" });
  });

  it("runs node -e as CommonJS and as an ES module", async () => {
    const cjs = await runOnce(docker, image, ["node", "-e", "console.log(typeof require, require('node:path').sep)"]);
    expect(cjs).toMatchObject({ exitCode: 0, stdout: "function /\n" });
    const esm = await runOnce(docker, image, [
      "node",
      "--input-type=module",
      "-e",
      "import { sep } from 'node:path'; console.log(typeof require, sep, import.meta.url.startsWith('file:'))",
    ]);
    expect(esm).toMatchObject({ exitCode: 0, stdout: "undefined / true\n" });
  });

  it("runs a .ts file with tsx", async () => {
    const result = await runOnce(docker, image, ["tsx", "main.ts"], {
      "main.ts": "const total: number = [1, 2, 3].reduce((a: number, b: number) => a + b, 0);\nconsole.log(`total=${total}`);\n",
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "total=6\n" });
  });

  it("runs deno eval", async () => {
    const result = await runOnce(docker, image, [
      "deno",
      "eval",
      "const n: number = 6 * 7; console.log(n, typeof Deno.version.deno)",
    ]);
    expect(result).toMatchObject({ exitCode: 0, stdout: "42 string\n" });
  });

  it("runs go run on a main.go", async () => {
    const result = await runOnce(docker, image, ["go", "run", "main.go"], {
      "main.go": 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.ToUpper("gopher")) }\n',
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "GOPHER\n" });
  });

  it("compiles C, C++, Java and Rust with Debian's toolchains", async () => {
    const result = await runOnce(
      docker,
      image,
      [
        "bash",
        "-c",
        "gcc -o /tmp/c main.c && /tmp/c && g++ -o /tmp/cc main.cpp && /tmp/cc && javac -d /tmp/j Main.java && java -cp /tmp/j Main && rustc -o /tmp/r main.rs && /tmp/r && cargo --version | cut -d' ' -f1",
      ],
      {
        "main.c": '#include <stdio.h>\nint main(void) { puts("c"); return 0; }\n',
        "main.cpp": '#include <iostream>\nint main() { std::cout << "c++" << std::endl; }\n',
        "Main.java":
          'class Main { public static void main(String[] a) { System.out.println("java " + Runtime.version().feature()); } }\n',
        "main.rs": 'fn main() { println!("rust"); }\n',
      },
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: "c\nc++\njava 17\nrust\ncargo\n" });
  });

  it("runs bash -c and keeps stdout and stderr apart", async () => {
    const result = await runOnce(docker, image, ["bash", "-c", "echo out; echo err >&2; exit 3"]);
    expect(result).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("has the tools setups and shells rely on", async () => {
    const result = await runOnce(docker, image, [
      "bash",
      "-c",
      "for t in pip3 npm npx tsc git tar gzip zstd ps tini; do command -v $t >/dev/null || echo missing $t; done; test -w /workspace && echo writable",
    ]);
    expect(result).toMatchObject({ exitCode: 0, stdout: "writable\n" });
  });
});
