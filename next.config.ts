import type { NextConfig } from "next";
import packageJson from "./package.json" with { type: "json" };
import { getConfig } from "./server/config";

// Validates the configuration at build and start: a bad value stops here with a clear message.
getConfig();

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  env: { NEXT_PUBLIC_SANDPIT_VERSION: packageJson.version },
  serverExternalPackages: ["dockerode", "ssh2", "cpu-features", "@electric-sql/pglite", "pino", "pg"],
};

export default nextConfig;
