import { spawn } from "node:child_process";
import { loadConfigOrExit } from "./config";

// Validates the configuration, prints where Sandpit listens, then runs the built Next.js server.
const config = loadConfigOrExit();
const shown = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
console.log(`Sandpit is starting on http://${shown}:${config.port}`);
if (config.host === "127.0.0.1" || config.host === "localhost") {
  console.log("Listening on this machine only; set SANDPIT_HOST=0.0.0.0 to accept other machines.");
}
const child = spawn(
  process.execPath,
  ["node_modules/next/dist/bin/next", "start", "-p", String(config.port), "-H", config.host],
  {
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
