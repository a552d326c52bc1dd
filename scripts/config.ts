import { ConfigError, loadConfig, type Config } from "@/server/config";

/** The configuration for a command: a bad value prints what to fix and exits with status 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
