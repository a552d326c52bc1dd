import { SetupService } from "@/server/setup/service";
import type { SetupEnvironment } from "@/server/setup/runner";
import { sandboxHarness, type HarnessOptions, type SandboxHarness } from "./sandbox";

export interface SetupHarness extends SandboxHarness {
  setups: SetupService;
  environment: SetupEnvironment;
  /** What the harness built its SetupService from, to build another (as after a restart). */
  setupOptions: ConstructorParameters<typeof SetupService>[0];
}

/**
 * Sandboxes plus the setup service. Setup containers use the host's network so that they reach
 * package servers the tests start on loopback; the host's CA bundle is trusted inside them.
 */
export async function setupHarness(
  options: HarnessOptions & {
    mirrors?: SetupEnvironment["mirrors"];
    timeoutMs?: number;
    network?: string;
    diskMb?: number;
  } = {},
): Promise<SetupHarness> {
  const h = await sandboxHarness(options);
  const environment: SetupEnvironment = {
    driver: h.driver,
    store: h.store,
    layers: h.layers,
    image: h.image,
    dataDir: h.dataDir,
    agentDir: h.manager.agentDir,
    limits: h.config.limits,
    timeoutMs: options.timeoutMs ?? h.config.setup.timeoutMs,
    network: options.network ?? "host",
    caBundle: h.config.extraCaBundle,
    diskMb: h.manager.workspaces.kind === "volume" ? (options.diskMb ?? h.config.setup.diskMb) : undefined,
    mirrors: options.mirrors ?? {},
    log: h.log,
  };
  const imageId = (await h.docker.getImage(h.image).inspect()).Id;
  const setupOptions = {
    db: h.database.db,
    store: h.store,
    sandboxes: h.manager,
    environment,
    imageId: () => Promise.resolve(imageId),
    concurrency: 2,
    log: h.log,
  };
  const setups = new SetupService(setupOptions);
  const dispose = h[Symbol.asyncDispose].bind(h);
  return Object.assign(h, {
    setups,
    environment,
    setupOptions,
    async [Symbol.asyncDispose]() {
      setups.close();
      await dispose();
    },
  });
}
