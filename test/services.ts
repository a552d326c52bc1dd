import { loadConfig } from "@/server/config";
import { createServices, type Services } from "@/server/services";
import { SYSTEM } from "@/server/sessions/caller";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "./cleanup";

/**
 * The real services (Docker, a PGlite database, a folder object store) on a fresh data folder.
 * Disposing removes everything they made: every session (whoever owns it), then every container
 * that still mounts the data folder (sandboxes, setups, helpers), the workspace mounts and the folder.
 */
export async function testServices(env: Record<string, string> = {}): Promise<Services & AsyncDisposable> {
  const dataDir = tempDataDir("sandpit-svc-");
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
      // Pages of 200 until none is left; one that cannot be deleted still loses its containers below.
      const tried = new Set<string>();
      for (;;) {
        const page = (await services.sessions.list(SYSTEM, { limit: 200 })).filter((s) => !tried.has(s.id));
        if (page.length === 0) break;
        for (const session of page) {
          tried.add(session.id);
          await services.sessions.delete(SYSTEM, session.id).catch(() => undefined);
        }
      }
      await services.sandboxes.close();
      await services.database.close();
      await removeSandboxesOf(services.docker, dataDir);
      await removeDataDir(dataDir);
    },
  });
}
