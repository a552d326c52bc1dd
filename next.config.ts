import type { NextConfig } from "next";
import packageJson from "./package.json" with { type: "json" };
import { securityHeaders } from "./server/auth/csp";
import { getConfig } from "./server/config";

// Validates the configuration at build and start: a bad value stops here with a clear message.
getConfig();

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  env: { NEXT_PUBLIC_SANDPIT_VERSION: packageJson.version },
  headers: () => Promise.resolve(securityHeaders()),
  serverExternalPackages: ["dockerode", "ssh2", "cpu-features", "@electric-sql/pglite", "pino", "pg"],
};

export default nextConfig;
