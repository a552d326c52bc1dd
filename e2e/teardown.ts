import Dockerode from "dockerode";
import { removeDataDir } from "../test/cleanup";

/** After the browser tests: the sandboxes of the run's server go, then its data folder (and volumes). */
export default async function teardown(): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir || process.env.E2E_BASE_URL) return;
  const docker = new Dockerode();
  for (const info of await docker.listContainers({ all: true, filters: { label: ["dev.sandpit.session"] } })) {
    if (info.Mounts.some((mount) => mount.Source.startsWith(`${dataDir}/`)))
      await docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  await removeDataDir(dataDir);
}
