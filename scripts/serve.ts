import { spawn } from "node:child_process";
import { loadConfigOrExit } from "./config";

// Validates the configuration, prints where Sandpit listens, then runs the built Next.js server.
const config = loadConfigOrExit();
const shown = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
console.log(`Sandpit is starting on http://${shown}:${config.port}`);
if (config.host === "127.0.0.1" || config.host === "localhost") {
  console.log("Listening on this machine only; set SANDPIT_HOST=0.0.0.0 to accept other machines.");
} else if (!config.web.publicUrl && config.web.allowedHosts.length === 0) {
  // Other machines reach it by a name it does not answer to yet (see server/auth/host.ts).
  console.log("Other machines get 421 until SANDPIT_PUBLIC_URL (or SANDPIT_ALLOWED_HOSTS) names the address they use.");
}
const child = spawn(process.execPath, ["scripts/server.mjs", "-p", String(config.port), "-H", config.host], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
