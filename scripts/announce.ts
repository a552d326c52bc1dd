import { loadConfigOrExit } from "./config";

// Validates the configuration (a bad value exits with status 2 and what to fix) and prints where
// Sandpit listens. start.sh then replaces itself with the server, so that one Node process serves.
const config = loadConfigOrExit();
const shown = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
console.log(`Sandpit is starting on http://${shown}:${config.port}`);
if (config.host === "127.0.0.1" || config.host === "localhost") {
  console.log("Listening on this machine only; set SANDPIT_HOST=0.0.0.0 to accept other machines.");
} else if (!config.web.publicUrl && config.web.allowedHosts.length === 0) {
  // Other machines reach it by a name it does not answer to yet (see server/auth/host.ts).
  console.log("Other machines get 421 until SANDPIT_PUBLIC_URL (or SANDPIT_ALLOWED_HOSTS) names the address they use.");
}
