import { defineLanguage, interpreted } from "./types";

/**
 * deno resolves `npm:` imports from the layer's node_modules (offline) through a per-run config
 * in the run folder that points at the layer; without a layer it runs plainly. The sandbox is the
 * boundary, so inside it deno may use everything the sandbox allows.
 */
function denoCommand(file: string, dir: string): string[] {
  const script = [
    'd="$0/.deno"; f="$1"; shift',
    "if [ -f /opt/layer/node/package.json ]; then",
    '  mkdir -p "$d" && printf \'{"nodeModulesDir":"manual"}\' > "$d/deno.json" && cp /opt/layer/node/package.json "$d/" && ln -sfn /opt/layer/node/node_modules "$d/node_modules"',
    '  exec deno run --allow-all --quiet --config "$d/deno.json" "$f" "$@"',
    "fi",
    'exec deno run --allow-all --quiet "$f" "$@"',
  ].join("\n");
  return ["bash", "-c", script, dir, file];
}

export const deno = defineLanguage({
  id: "deno",
  label: "Deno",
  aliases: [],
  // A .ts file runs with Deno in a Deno session, with tsx elsewhere.
  extensions: ["ts", "mts"],
  monaco: "typescript",
  starter: "console.log(`Hello from Deno ${Deno.version.deno}`);\n",
  // deno keeps its per-run config in the run folder, which is removed afterwards.
  ...interpreted(denoCommand, "ts", { usesRunDir: true }),
});
