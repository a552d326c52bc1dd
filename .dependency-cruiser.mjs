// The module graph's rules: no cycles between files, and each layer imports only the layers below
// it. Checked by server/module-graph.test.ts (with no cycles between folders, which that test adds)
// as part of the unit tests, and by `npx depcruise server lib app components scripts`.

/** Test files reach across layers on purpose (one test drives REST, tRPC and MCP alike). */
const TESTS = "\\.(int\\.)?test\\.tsx?$";

/** @type {import("dependency-cruiser").IConfiguration} */
const config = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Files that import each other cannot be read, tested or moved one at a time.",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-is-shared",
      severity: "error",
      comment:
        "lib/ runs in the browser too: it never imports server code. The one exception is the tRPC client taking its types from the router (erased at build).",
      from: { path: "^lib/" },
      to: { path: "^server/", pathNot: "^server/api/root\\.ts$" },
    },
    {
      name: "lib-takes-only-router-types",
      severity: "error",
      comment: "The tRPC client may name the router's type, never import its code.",
      from: { path: "^lib/" },
      to: { path: "^server/api/root\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "sandbox-below-sessions",
      severity: "error",
      comment: "sandbox/ drives containers; sessions, setups and the transports call it, never the reverse.",
      from: { path: "^server/sandbox/", pathNot: TESTS },
      to: { path: "^server/(sessions|setup|api|rest|mcp|auth|services)(/|\\.ts$)" },
    },
    {
      name: "setup-below-sessions",
      severity: "error",
      comment: "setup/ runs setups in sandboxes; sessions and the transports call it.",
      from: { path: "^server/setup/", pathNot: TESTS },
      to: { path: "^server/(sessions|api|rest|mcp|auth|services)(/|\\.ts$)" },
    },
    {
      name: "services-below-transports",
      severity: "error",
      comment:
        "Services decide access and throw their own errors; they never know which transport called them, nor the composition root that wires them.",
      from: { path: "^server/(sessions|setup|sandbox|storage|db|config|auth|util)/", pathNot: TESTS },
      to: { path: "^server/((api|rest|mcp)/|services\\.ts$)" },
    },
    {
      name: "auth-below-services",
      severity: "error",
      comment:
        "auth/ holds identity primitives (owner cookies, API keys, rate limits, sealing, the Host / Origin guard); the services use them, never the reverse.",
      from: { path: "^server/auth/", pathNot: TESTS },
      to: { path: "^server/(sessions|setup|sandbox|health)/" },
    },
    {
      name: "transports-apart",
      severity: "error",
      comment: "REST and MCP share server/errors.ts and server/auth/ with tRPC, not tRPC's own folder.",
      from: { path: "^server/(rest|mcp)/", pathNot: TESTS },
      to: { path: "^server/api/" },
    },
    {
      name: "storage-at-the-bottom",
      severity: "error",
      comment: "Storage, the database, configuration and utilities know nothing of sandboxes, setups or sessions.",
      from: { path: "^server/(storage|db|config|util)/", pathNot: TESTS },
      to: { path: "^server/(sandbox|setup|sessions|api|rest|mcp|auth|health|services)(/|\\.ts$)" },
    },
    {
      name: "agent-inside-stands-alone",
      severity: "error",
      comment: "The agent's code is mounted into the sandbox and runs there alone: it imports only Node.js and itself.",
      from: { path: "^server/sandbox/agent/inside/", pathNot: TESTS },
      to: { pathNot: "^server/sandbox/agent/inside/", dependencyTypesNot: ["core"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing is a broken module.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|public)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
    },
    skipAnalysisNotInRules: true,
  },
};

export default config;
