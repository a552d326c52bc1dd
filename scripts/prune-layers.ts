import { parseArgs } from "node:util";
import { loadConfigOrExit } from "./config";
import { createServices } from "@/server/services";

// `npm run layers:prune -- --days N`: deletes stored layers that no session has used for N days.
const { values } = parseArgs({ options: { days: { type: "string", default: "30" } } });
const days = Number(values.days);
if (!Number.isInteger(days) || days < 0) {
  console.error(`--days must be a whole number of days (got "${values.days}")`);
  process.exit(2);
}
const config = loadConfigOrExit();
if (config.database.kind === "pglite") {
  const running = await fetch(`http://127.0.0.1:${config.port}/api/health`, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );
  if (running) {
    console.error("Sandpit is running on this data folder; its embedded database has one user at a time.");
    console.error(
      `Stop it first, or let it prune by itself (SANDPIT_LAYER_RETENTION_DAYS, now ${config.setup.layerRetentionDays}).`,
    );
    process.exit(1);
  }
}
const services = createServices(config);
await services.database.migrate();
const deleted = await services.setups.prune(days);
console.log(
  deleted.length === 0
    ? `No layer unused for ${days} days.`
    : `Deleted ${deleted.length} layer(s):\n${deleted.map((k) => `  ${k}`).join("\n")}`,
);
await services.database.close();
