import { defineLanguage } from "./types";

/** Builds the module in the run folder next to a copy of the layer's go.mod, then runs it from /workspace. */
const BUILD_IN_RUN_DIR = [
  "if [ -f /opt/layer/go/go.mod ]; then cp /opt/layer/go/go.mod /opt/layer/go/go.sum . 2>/dev/null || cp /opt/layer/go/go.mod .; else go mod init sandpit/run >/dev/null 2>&1; fi",
  "go build -o main.bin . || exit $?",
  'cd /workspace && exec "$0/main.bin" "$@"',
];

export const go = defineLanguage({
  id: "go",
  label: "Go",
  aliases: ["golang"],
  extensions: ["go"],
  monaco: "go",
  starter: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("Hello from Go")\n}\n',
  // No network at run time: Go resolves modules from the layer's cache only.
  sandboxEnv: { GOPROXY: "off", GOSUMDB: "off", GOFLAGS: "-mod=mod" },
  setupEnv: { GOCACHE: "/tmp/go-cache", GOFLAGS: "-modcacherw" },
  packages: {
    manager: "go",
    install: (modules, layer) => [
      {
        // The module list arrives as "$@": the shell only sets up the folder, it never parses a spec.
        argv: [
          "bash",
          "-c",
          'mkdir -p "$0" && cd "$0" && { [ -f go.mod ] || go mod init sandpit/layer; } && go get "$@"',
          `${layer}/go`,
          ...modules,
        ],
        cwd: "/workspace",
      },
    ],
  },
  // Inline Go is built next to the layer's go.mod, so the setup's modules resolve from its cache.
  inline: (code, dir) => ({
    argv: ["bash", "-c", ['cd "$0"', ...BUILD_IN_RUN_DIR].join("\n"), dir],
    files: [{ path: `${dir}/main.go`, text: code }],
  }),
  // An entry file: `go run` in its module when the workspace has a go.mod; else built like inline code.
  file: (file, dir) => ({
    argv: [
      "bash",
      "-c",
      [
        'f="$1"; shift',
        'if [ -f /workspace/go.mod ]; then cd /workspace && exec go run "$f" "$@"; fi',
        'mkdir -p "$0" && cp "$f" "$0/main.go" && cd "$0" || exit 1',
        ...BUILD_IN_RUN_DIR,
      ].join("\n"),
      dir,
      file,
    ],
    usesRunDir: true,
  }),
});
