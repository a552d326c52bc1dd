import "server-only";
import pino, { type Logger } from "pino";
import { getConfig } from "@/server/config";

/** The process-wide structured logger. */
export const logger: Logger = pino({
  level: getConfig().logLevel,
  base: { app: "sandpit" },
  redact: { paths: ["env", "*.env", "secrets", "*.secrets"], censor: "[redacted]" },
});
