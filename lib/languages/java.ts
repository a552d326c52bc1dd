import { BACK_TO_WORKSPACE, compileStep, IN_RUN_DIR, script } from "./compiled";
import { defineLanguage } from "./types";

/** javac is a short-lived JVM: the serial collector and the first JIT tier start it fastest in a small sandbox. */
const JAVAC = "javac -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1";

/** Code without comments and string or char literals, so braces and words in them do not count. */
function codeOnly(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\/\/.*$/gm, " ")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""')
    .replace(/'(?:\\.|[^'\\\n])+'/g, "' '");
}

/**
 * The names inline Java needs: its file (a public top-level type must live in a file of its name)
 * and the class to run (the top-level type that declares `main`, with its package).
 */
export function javaNames(code: string): { file: string; mainClass: string } {
  const text = codeOnly(code);
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
  const token =
    /[{}]|\b(public\s+)?(?:(?:abstract|final|sealed|non-sealed|strictfp|static)\s+)*(?:class|interface|enum|record)\s+(\w+)|\bvoid\s+main\s*\(/g;
  let depth = 0;
  let current: string | undefined;
  let publicType: string | undefined;
  let withMain: string | undefined;
  for (const match of text.matchAll(token)) {
    if (match[0] === "{") depth += 1;
    else if (match[0] === "}") depth = Math.max(0, depth - 1);
    else if (match[2] !== undefined) {
      if (depth === 0) current = match[2];
      if (depth === 0 && match[1] && !publicType) publicType = match[2];
    } else if (!withMain && current) withMain = current;
  }
  const name = withMain ?? publicType ?? "Main";
  return { file: `${publicType ?? "Main"}.java`, mainClass: pkg ? `${pkg}.${name}` : name };
}

export const java = defineLanguage({
  id: "java",
  label: "Java",
  aliases: ["openjdk", "jdk"],
  extensions: ["java"],
  monaco: "java",
  starter:
    'public class Main {\n    public static void main(String[] args) {\n        System.out.println("Hello from Java " + System.getProperty("java.version"));\n    }\n}\n',
  compiled: true,
  inline: (code, dir) => {
    const { file, mainClass } = javaNames(code);
    return {
      argv: [
        "bash",
        "-c",
        script(
          'm="$1"; shift',
          IN_RUN_DIR,
          compileStep(`${JAVAC} -d classes ${file}`, "javac"),
          BACK_TO_WORKSPACE,
          'exec java -cp "$0/classes" "$m" "$@"',
        ),
        dir,
        mainClass,
      ],
      files: [{ path: `${dir}/${file}`, text: code }],
    };
  },
  // An entry file is compiled with the other .java files of its folder (the classes it uses), from its
  // package's root; the class to run is the entry's, in its package.
  file: (file, dir) => ({
    argv: [
      "bash",
      "-c",
      script(
        'f="$1"; shift; d=$(dirname "$f"); root=$d',
        String.raw`pkg=$(sed -n -E 's/^[[:space:]]*package[[:space:]]+([A-Za-z0-9_.]+)[[:space:]]*;.*/\1/p' "$f" | head -n 1)`,
        'for _ in ${pkg//./ }; do root=$(dirname "$root"); done',
        'm=${pkg:+$pkg.}$(basename "$f" .java)',
        compileStep(`${JAVAC} -d "$0/classes" -sourcepath "$root" "$d"/*.java`, "javac"),
        'exec java -cp "$0/classes" "$m" "$@"',
      ),
      dir,
      file,
    ],
    usesRunDir: true,
  }),
});
