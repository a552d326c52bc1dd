import { BACK_TO_WORKSPACE, compileStep, EXEC_BINARY, IN_RUN_DIR, script } from "./compiled";
import type { LanguageDefinition } from "./types";

/** A `main` defined at the start of a line: such a file is a program of its own, not a part. */
const DEFINES_MAIN = String.raw`'^[[:space:]]*(int|void)[[:space:]]+main[[:space:]]*\('`;

/**
 * C and C++ runs: inline code is `main.<ext>` in the run folder; an entry file is compiled with the
 * other sources in its folder that define no `main` of their own (a folder of exercises, each with
 * its main, runs one at a time), so a multi-file program is its folder. The binary stays in the run folder.
 */
export function cFamily(
  compiler: "gcc" | "g++",
  extensions: readonly string[],
  libs: string[],
): Pick<LanguageDefinition, "inline" | "file"> {
  const link = libs.join(" ");
  const [main] = extensions;
  const siblings = extensions.map((extension) => `"$d"/*.${extension}`).join(" ");
  return {
    inline: (code, dir) => ({
      argv: [
        "bash",
        "-c",
        script(
          IN_RUN_DIR,
          compileStep(`${compiler} -I/workspace -o main.bin main.${main} ${link}`.trim(), compiler),
          BACK_TO_WORKSPACE,
          EXEC_BINARY,
        ),
        dir,
      ],
      files: [{ path: `${dir}/main.${main}`, text: code }],
    }),
    file: (file, dir) => ({
      argv: [
        "bash",
        "-c",
        script(
          'f="$1"; shift; d=$(dirname "$f"); srcs=("$f")',
          "shopt -s nullglob",
          `for s in ${siblings}; do [ "$s" = "$f" ] || grep -qE ${DEFINES_MAIN} "$s" || srcs+=("$s"); done`,
          'mkdir -p "$0"',
          compileStep(`${compiler} -o "$0/main.bin" "\${srcs[@]}" ${link}`.trim(), compiler),
          EXEC_BINARY,
        ),
        dir,
        file,
      ],
      usesRunDir: true,
    }),
  };
}
