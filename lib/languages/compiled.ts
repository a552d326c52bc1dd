/**
 * The exit code of a run whose compilation failed: the compiler's diagnostics are on stderr, and its
 * last line says "compilation failed". 125 is what `timeout` and `docker run` use for "the command
 * itself never ran"; a program may still exit with it, but a failed build always does.
 */
export const COMPILE_FAILED_EXIT_CODE = 125;

/** A shell line that runs a compiler and, when it fails, ends the run saying so. */
export function compileStep(command: string, tool: string): string {
  return `${command} || { echo "compilation failed (${tool} exited with $?)" >&2; exit ${COMPILE_FAILED_EXIT_CODE}; }`;
}

/** A bash script run as `bash -c script dir ...`: `$0` is the run folder, `$@` the run's arguments. */
export function script(...lines: string[]): string {
  return lines.join("\n");
}

/** Inline code compiles in the run folder, so diagnostics name `main.c:3`, not the folder. */
export const IN_RUN_DIR = 'cd "$0" || exit 1';

/** Back in /workspace, the run's cwd, for the program. */
export const BACK_TO_WORKSPACE = "cd /workspace || exit 1";

/** The run folder's binary, run with the program's arguments from /workspace (the run's cwd). */
export const EXEC_BINARY = 'exec "$0/main.bin" "$@"';
