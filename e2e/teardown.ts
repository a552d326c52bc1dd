import Dockerode from "dockerode";
import { removeDataDir, removeSandboxesOf } from "../test/cleanup";

/** After the browser tests: the sandboxes of the run's server go, then its data folder (and volumes). */
export default async function teardown(): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir || process.env.E2E_BASE_URL) return;
  await removeSandboxesOf(new Dockerode(), dataDir);
  await removeDataDir(dataDir);
}
