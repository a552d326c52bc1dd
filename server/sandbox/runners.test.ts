import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { LANGUAGE_IDS } from "@/lib/languages";
import { buildRunCommand, type Language } from "./runners";

const text = (data: string): string => Buffer.from(data, "base64").toString();

describe("buildRunCommand", () => {
  it("writes inline code into the run folder, appends the arguments and removes the folder afterwards", () => {
    const command = buildRunCommand("python", { code: "print(1)" }, "r1", ["--x", "two words"]);
    expect(command).toEqual({
      argv: ["python3", "/tmp/.sandpit/runs/r1/main.py", "--x", "two words"],
      files: [{ path: "/tmp/.sandpit/runs/r1/main.py", data: Buffer.from("print(1)").toString("base64") }],
      env: { PYTHONPATH: "/workspace:/opt/layer/python:/usr/local/lib/sandpit/python" },
      cleanupDir: "/tmp/.sandpit/runs/r1",
    });
  });

  it("runs an entry file from the workspace and leaves nothing to remove for an interpreter", () => {
    expect(buildRunCommand("node", { entry: "app/../main.js" }, "r2", ["a"])).toEqual({
      argv: ["node", "/workspace/main.js", "a"],
      files: [],
      env: {},
    });
    expect(buildRunCommand("bash", { entry: "/workspace/x.sh" }, "r2").argv).toEqual(["bash", "/workspace/x.sh"]);
  });

  it("refuses entry files outside the workspace", () => {
    for (const entry of ["../etc/passwd", "..", "/etc/passwd", "/workspacex/a.py", "a/../../b.py"]) {
      expect(() => buildRunCommand("python", { entry }, "r3"), entry).toThrow("must be a file inside /workspace");
    }
  });

  it.each([
    ["c", "main.c"],
    ["cpp", "main.cpp"],
    ["rust", "main.rs"],
    ["go", "main.go"],
  ] as const)("compiles inline %s as %s in the run folder, never in the workspace", (language, name) => {
    const command = buildRunCommand(language, { code: "x" }, "r4", ["arg"]);
    expect(command.files.map((file) => file.path)).toEqual([`/tmp/.sandpit/runs/r4/${name}`]);
    expect(command.argv.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(command.argv.slice(3)).toEqual(["/tmp/.sandpit/runs/r4", "arg"]);
    expect(command.argv[2]).not.toContain("/workspace/");
    expect(command.cleanupDir).toBe("/tmp/.sandpit/runs/r4");
  });

  it("names inline Java's file after its public class and runs the class with main", () => {
    const command = buildRunCommand("java", { code: "public class Hello { public static void main(String[] a) {} }" }, "r5", [
      "arg",
    ]);
    expect(command.files.map((file) => [file.path, text(file.data)])).toEqual([
      ["/tmp/.sandpit/runs/r5/Hello.java", "public class Hello { public static void main(String[] a) {} }"],
    ]);
    expect(command.argv.slice(3)).toEqual(["/tmp/.sandpit/runs/r5", "Hello", "arg"]);
  });

  it.each(["c", "cpp", "java", "rust", "go", "deno"] as const)(
    "builds a %s entry file's output in the run folder",
    (language) => {
      const command = buildRunCommand(language, { entry: "src/x" }, "r6", ["arg"]);
      expect(command.argv.slice(-3)).toEqual(["/tmp/.sandpit/runs/r6", "/workspace/src/x", "arg"]);
      expect(command.cleanupDir).toBe("/tmp/.sandpit/runs/r6");
    },
  );

  it.each(["c", "cpp", "java", "rust"] as const)("ends a failed %s build with exit code 125 and says so", (language) => {
    for (const source of [{ code: "x" }, { entry: "x" }]) {
      const script = buildRunCommand(language, source, "r7").argv[2] ?? "";
      expect(script).toMatch(/\|\| \{ echo "compilation failed \(\S+ exited with \$\?\)" >&2; exit 125; \}/);
    }
  });

  it("writes only scripts bash can parse", () => {
    for (const language of LANGUAGE_IDS as Language[]) {
      for (const source of [{ code: "x" }, { entry: "x" }]) {
        const { argv } = buildRunCommand(language, source, "r8");
        if (argv[0] !== "bash" || argv[1] !== "-c") continue;
        expect(() => execFileSync("bash", ["-n", "-c", argv[2] ?? ""]), `${language} ${JSON.stringify(source)}`).not.toThrow();
      }
    }
  });
});
