import { BACK_TO_WORKSPACE, compileStep, EXEC_BINARY, IN_RUN_DIR, script } from "./compiled";
import { defineLanguage } from "./types";

const RUSTC = 'rustc --edition 2021 -o "$0/main.bin"';

export const rust = defineLanguage({
  id: "rust",
  label: "Rust",
  aliases: ["rs", "rustc", "cargo"],
  extensions: ["rs"],
  monaco: "rust",
  starter: 'fn main() {\n    println!("Hello from Rust");\n}\n',
  compiled: true,
  // The root filesystem is read-only: cargo keeps its home in /tmp.
  sandboxEnv: { CARGO_HOME: "/tmp/cargo" },
  setupEnv: { CARGO_HOME: "/tmp/cargo" },
  inline: (code, dir) => ({
    argv: ["bash", "-c", script(IN_RUN_DIR, compileStep(`${RUSTC} main.rs`, "rustc"), BACK_TO_WORKSPACE, EXEC_BINARY), dir],
    files: [{ path: `${dir}/main.rs`, text: code }],
  }),
  // An entry file in a Cargo project (a Cargo.toml in its folder or above, within /workspace) runs with
  // cargo, offline, building into the run folder; any other file is a crate of its own for rustc, which
  // finds its `mod` files beside it.
  file: (file, dir) => ({
    argv: [
      "bash",
      "-c",
      script(
        'f="$1"; shift; d=$(dirname "$f"); m=',
        'while :; do [ -f "$d/Cargo.toml" ] && { m=$d/Cargo.toml; break; }; case "$d" in /workspace|/) break;; esac; d=$(dirname "$d"); done',
        'mkdir -p "$0"',
        'if [ -n "$m" ]; then',
        // src/bin/<name>.rs is the binary <name>; src/main.rs is the package's own, named after it.
        String.raw`  n=$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^name[[:space:]]*=/ { print $2; exit }' "$m")`,
        '  b=(); case "$f" in "$d"/src/bin/*.rs) b=(--bin "$(basename "$f" .rs)");; "$d"/src/main.rs) [ -n "$n" ] && b=(--bin "$n");; esac',
        '  export CARGO_TARGET_DIR="$0/target"',
        `  ${compileStep('cargo build --offline -q --manifest-path "$m" "${b[@]}"', "cargo")}`,
        '  exec cargo run --offline -q --manifest-path "$m" "${b[@]}" -- "$@"',
        "fi",
        compileStep(`${RUSTC} "$f"`, "rustc"),
        EXEC_BINARY,
      ),
      dir,
      file,
    ],
    usesRunDir: true,
  }),
});
