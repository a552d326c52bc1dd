import { SetupService } from "@/server/setup/service";
import type { SetupEnvironment } from "@/server/setup/runner";
import { sandboxHarness, type HarnessOptions, type SandboxHarness } from "./sandbox";
import { guardedSetupNetwork } from "./setup-network";

export interface SetupHarness extends SandboxHarness {
  setups: SetupService;
  environment: SetupEnvironment;
  /** What the harness built its SetupService from, to build another (as after a restart). */
  setupOptions: ConstructorParameters<typeof SetupService>[0];
}

/**
 * Sandboxes plus the setup service. Setup containers use the guarded setup network, as in
 * production; they reach package servers the tests start on this host through its allowed ports
 * (test/setup-network.ts). The host's CA bundle is trusted inside them.
 */
export async function setupHarness(
  options: HarnessOptions & {
    mirrors?: SetupEnvironment["mirrors"];
    timeoutMs?: number;
    network?: string;
    diskMb?: number;
  } = {},
): Promise<SetupHarness> {
  const network = options.network ?? (await guardedSetupNetwork()).network;
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
    network,
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
