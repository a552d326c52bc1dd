import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@/server/config";
import { createServices, type Services } from "@/server/services";
import { SYSTEM } from "@/server/sessions/caller";
import { removeDataDir } from "./cleanup";

/** The real services (Docker, a PGlite database, a folder object store) on a fresh data folder. */
export async function testServices(env: Record<string, string> = {}): Promise<Services & AsyncDisposable> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "sandpit-svc-"));
  const config = loadConfig({
    ...process.env,
    SANDPIT_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
  const services = createServices(config);
  await services.database.migrate();
  return Object.assign(services, {
    async [Symbol.asyncDispose]() {
      services.setups.close();
      for (const session of await services.sessions.list(SYSTEM, { limit: 200 }))
        await services.sessions.delete(SYSTEM, session.id).catch(() => undefined);
      await services.sandboxes.close();
      await services.database.close();
      await removeDataDir(dataDir);
    },
  });
}
