import { defineLanguage, interpreted } from "./types";

export const python = defineLanguage({
  id: "python",
  label: "Python",
  aliases: ["py", "python3"],
  extensions: ["py"],
  monaco: "python",
  starter: 'import sys\n\nprint(f"Hello from Python {sys.version_info.major}.{sys.version_info.minor}")\n',
  // Inline Python imports modules that sit in the workspace, as a script there would.
  packages: {
    manager: "pip",
    install: (packages, layer) => [
      {
        argv: [
          "python3",
          "-m",
          "pip",
          "install",
          "--target",
          `${layer}/python`,
          "--no-cache-dir",
          "--disable-pip-version-check",
          "--no-warn-script-location",
          "--progress-bar",
          "off",
          ...packages,
        ],
        cwd: "/workspace",
      },
    ],
  },
  ...interpreted((file) => ["python3", file], "py", {
    inlineEnv: { PYTHONPATH: "/workspace:/opt/layer/python:/usr/local/lib/sandpit/python" },
  }),
});
