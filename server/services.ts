import "server-only";
import path from "node:path";
import type Dockerode from "dockerode";
import { runtimeImageRef } from "@/images/recipe";
import { getConfig, type Config } from "@/server/config";
import { createPreviewGateway, installPreviewGateway } from "@/server/preview/gateway";
import { PreviewService } from "@/server/preview/service";
import { openDatabase, type DatabaseHandle } from "@/server/db/client";
import { logger } from "@/server/logger";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { DockerSandboxDriver } from "@/server/sandbox/engine/docker-driver";
import { nodeId } from "@/server/sandbox/engine/node-id";
import { RuntimeSelector } from "@/server/sandbox/engine/runtime";
import { HelperContainers } from "@/server/sandbox/engine/helper";
import { createWorkspaces } from "@/server/sandbox/workspaces/store";
import { SandboxManager } from "@/server/sandbox/manager";
import { ensureAgentBundle } from "@/server/sandbox/agent/bundle";
import { LayerCache } from "@/server/setup/layer-cache";
import { checkSetupNetwork } from "@/server/setup/network";
import { ApiKeyService } from "@/server/auth/api-keys";
import { RateLimiter } from "@/server/auth/rate-limiter";
import { SessionActions } from "@/server/sessions/actions";
import { FileWatches } from "@/server/sandbox/file-watch";
import { EmbedService } from "@/server/sessions/embeds";
import { CheckService } from "@/server/classroom/checks";
import { SessionService } from "@/server/sessions/service";
import { ShareService } from "@/server/sessions/shares";
import { ResumeService } from "@/server/sessions/resume";
import { AccountService } from "@/server/sessions/accounts";
import { OidcProvider } from "@/server/auth/oidc/provider";
import { TerminalRegistry } from "@/server/sessions/terminals";
import { SetupService } from "@/server/setup/service";
import { openObjectStore } from "@/server/storage";
import type { ObjectStore } from "@/server/storage/object-store";
import { EgressService } from "@/server/egress/service";
import { SessionEgress } from "@/server/egress/sessions";
import { TemplateUpdates } from "@/server/classroom/updates";
import { Metrics } from "@/server/metrics/metrics";
import { metricsSources } from "@/server/metrics/sources";
import { LeaseService } from "@/server/nodes/leases";
import { MISSED_HEARTBEATS, NodeRegistry } from "@/server/nodes/registry";
import { installRelay, Relay } from "@/server/nodes/relay";
import { admitsWebRequest } from "@/server/auth/guard";
import { allowedOrigins } from "@/server/auth/origin";

/** The long-lived engines one Sandpit process talks to. */
export interface Services {
  config: Config;
  docker: Dockerode;
  /** The OCI runtime sandboxes and setups run under (gVisor where it works). */
  runtime: RuntimeSelector;
  database: DatabaseHandle;
  store: ObjectStore;
  sandboxes: SandboxManager;
  setups: SetupService;
  sessions: SessionService;
  actions: SessionActions;
  apiKeys: ApiKeyService;
  rateLimiter: RateLimiter;
  shares: ShareService;
  resume: ResumeService;
  /** Accounts of the OpenID Connect provider, when sign-in is configured. */
  accounts: AccountService;
  embeds: EmbedService;
  /** Assignments: hidden tests, Check and deadlines of class templates. */
  checks: CheckService;
  terminals: TerminalRegistry;
  /** Programs listening in sandboxes, relayed to the browser on origins of their own. */
  previews: PreviewService;
  /** A class template's changes published to its students' copies. */
  templateUpdates: TemplateUpdates;
  /** What /metrics shows Prometheus. */
  metrics: Metrics;
  /** This process as a node in the database: registration and heartbeat. */
  nodes: NodeRegistry;
  /** Which node runs each session's sandbox. */
  leases: LeaseService;
  /** Sends requests about sessions other nodes run to those nodes (PostgreSQL only). */
  relay: Relay | undefined;
}

const globalForServices = globalThis as unknown as { sandpitServices?: Services; sandpitReady?: Promise<void> };

/** Opens the engines once per process (and once across dev-server reloads). */
export function createServices(config: Config): Services {
  const docker = createDockerClient(config.docker);
  const database = openDatabase(config.database);
  const store = openObjectStore(config.objectStore);
  const image = runtimeImageRef(config.runtimeImage);
  const runtime = new RuntimeSelector({
    docker,
    image,
    setting: config.docker.runtime,
    limits: config.limits,
    log: logger.child({ module: "runtime" }),
  });
  const node = nodeId(config.dataDir);
  const metrics = new Metrics();
  // A lease lasts as long as its node counts as alive without a heartbeat.
  const leases = new LeaseService({
    db: database.db,
    node,
    ttlMs: MISSED_HEARTBEATS * config.node.heartbeatMs,
    alone: database.kind === "pglite",
    log: logger.child({ module: "leases" }),
    onMoved: (move) => metrics.leaseMoved(move),
  });
  const driver = new DockerSandboxDriver(docker, logger.child({ module: "docker" }), runtime, node);
  const helper = new HelperContainers(docker, image, config.limits, async () => (await runtime.choose()).sandbox);
  const layers = new LayerCache(path.join(config.dataDir, "layers"), store, logger.child({ module: "layers" }), helper);
  const egress = new SessionEgress(
    database.db,
    new EgressService({ config, log: logger.child({ module: "egress" }) }),
    config.dataDir,
  );
  const sandboxes = new SandboxManager({
    egress,
    caBundle: config.extraCaBundle,
    driver,
    store,
    db: database.db,
    image,
    dataDir: config.dataDir,
    limits: config.limits,
    idleTimeoutMs: config.idleTimeoutMs,
    snapshotIntervalMs: config.snapshotIntervalMs,
    layers,
    workspaces: createWorkspaces(
      config.dataDir,
      {
        quota: config.workspaceQuota,
        pool: config.volumePool,
        sizeMb: config.limits.workspaceMb,
        helper,
      },
      logger.child({ module: "workspaces" }),
    ),
    log: logger.child({ module: "sandbox" }),
    pool: config.pool,
    leases,
  });
  let imageId: Promise<string> | undefined;
  const setups = new SetupService({
    db: database.db,
    store,
    sandboxes,
    environment: {
      driver,
      store,
      layers,
      image,
      dataDir: config.dataDir,
      agentDir: sandboxes.agentDir,
      limits: config.limits,
      timeoutMs: config.setup.timeoutMs,
      network: config.setup.network,
      caBundle: config.extraCaBundle,
      diskMb: sandboxes.workspaces.kind === "volume" ? config.setup.diskMb : undefined,
      mirrors: config.mirrors,
      log: logger.child({ module: "setup" }),
    },
    imageId: () => {
      imageId ??= docker
        .getImage(image)
        .inspect()
        .then((info) => info.Id)
        .catch((error: unknown) => {
          imageId = undefined;
          throw error;
        });
      return imageId;
    },
    concurrency: config.setup.concurrency,
    log: logger.child({ module: "setup" }),
    node,
    onLayerLookup: (hit) => metrics.layerLookup(hit),
  });
  const templateUpdates = new TemplateUpdates({
    db: database.db,
    sandboxes,
    sessions: (): SessionService => sessions,
    log: logger.child({ module: "classroom" }),
  });
  const sessions = new SessionService({
    db: database.db,
    sandboxes,
    setups,
    config,
    egress,
    classroom: templateUpdates,
    log: logger.child({ module: "sessions" }),
  });
  // Typing in a terminal is use of the sandbox: it keeps it awake and due for its next snapshot.
  const terminals = new TerminalRegistry(config.terminals.perSession, "terminal", (sessionId) => sandboxes.touch(sessionId));
  const runTerminals = new TerminalRegistry(config.terminals.perSession, "run");
  const actions = new SessionActions(
    sessions,
    sandboxes,
    database.db,
    logger.child({ module: "sessions" }),
    terminals,
    runTerminals,
    new FileWatches(sandboxes, logger.child({ module: "files" })),
    (run) => metrics.runFinished(run),
  );
  metrics.observe(metricsSources({ db: database.db, sandboxes, setups, nodeId: node, capacity: config.node.capacity }));
  const embeds = new EmbedService(database.db, sessions, actions);
  const apiKeys = new ApiKeyService(database.db);
  const previews = new PreviewService({ config, sessions, sandboxes, apiKeys });
  // One node on PGlite: every session runs here, and nothing is sent on.
  const relay =
    database.kind === "pglite"
      ? undefined
      : new Relay({
          db: database.db,
          node,
          leases,
          log: logger.child({ module: "relay" }),
          admits: (request) => admitsWebRequest(request, config),
          ownOrigin: (origin) => allowedOrigins(config).includes(origin.trim().toLowerCase()),
          address: config.node.address,
          onRelay: (reason, outcome) => metrics.relayed(reason, outcome),
        });
  if (relay) installRelay(relay);
  installPreviewGateway(createPreviewGateway(previews, logger.child({ module: "previews" }), relay));
  const nodes = new NodeRegistry({
    db: database.db,
    id: node,
    ...config.node,
    sandboxes: () => sandboxes.openCount,
    log: logger.child({ module: "nodes" }),
  });
  nodes.onHeartbeat(() => sandboxes.renewLeases());
  nodes.onHeartbeat(() => setups.takeOverLost());
  return {
    config,
    docker,
    runtime,
    database,
    store,
    sandboxes,
    setups,
    sessions,
    actions,
    apiKeys,
    rateLimiter: new RateLimiter(),
    shares: new ShareService(database.db, sessions, config.dataDir, (id, path) => embeds.fileFor(id, path)),
    resume: new ResumeService(database.db, config.dataDir),
    accounts: new AccountService(
      database.db,
      config.oidc ? new OidcProvider(config.oidc, logger.child({ module: "oidc" })) : undefined,
    ),
    embeds,
    checks: new CheckService({ db: database.db, sessions, sandboxes, log: logger.child({ module: "checks" }) }),
    terminals,
    previews,
    templateUpdates,
    metrics,
    nodes,
    leases,
    relay,
  };
}

export function getServices(): Services {
  globalForServices.sandpitServices ??= createServices(getConfig());
  return globalForServices.sandpitServices;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Start-up work, once per process: the schema is migrated, sandboxes and setups left by an
 * earlier process are adopted, removed or queued again, idle sandboxes start being hibernated,
 * and unused layers are pruned daily.
 */
export function servicesReady(): Promise<void> {
  globalForServices.sandpitReady ??= (async () => {
    const services = getServices();
    await services.database.migrate();
    await services.nodes.start();
    // Called by the HTTP server (scripts/server.mjs) on SIGTERM / SIGINT before it exits.
    // Warm sandboxes serve no session: they go with the process (the next start would remove them).
    (globalThis as Record<symbol, unknown>)[Symbol.for("sandpit.shutdown")] = async () => {
      await services.sandboxes
        .releaseLeases()
        .catch((error: unknown) => logger.warn({ err: error }, "could not release session leases at shutdown"));
      await Promise.all([services.nodes.stop(), services.sandboxes.pool?.close()]);
    };
    // Before the first sandbox starts (the warm pool's, below): the agent's bundle, built again when
    // its sources changed since (a checkout upgraded in place).
    try {
      const said = await ensureAgentBundle();
      if (said) logger.info(said);
    } catch (error) {
      logger.error({ err: error }, "sandboxes cannot start without the agent's bundle");
    }
    try {
      // Uploads cut short by a crash of an earlier process (they started before this one).
      await services.store.clearPartial?.(new Date(Date.now() - process.uptime() * 1000));
      await services.sandboxes.reconcile();
      await services.setups.recover();
      services.sandboxes.startPool();
    } catch (error) {
      // Docker may be down at start; health says why, and the next start reconciles.
      logger.error({ err: error }, "could not reconcile sandboxes and setups at start-up");
    }
    // Chosen (and a fallback to runc logged) at start, not on the first session; not awaited, as the
    // first sandbox waits for it anyway. A failure (no engine, no image) is asked again then.
    void services.runtime
      .choose()
      .catch((error: unknown) => logger.error({ err: error }, "could not choose the sandbox runtime"));
    // Not awaited: a missing guard is a warning here, in /api/health and in `npm run doctor`.
    void checkSetupNetwork(services.docker, services.config.setup).then(
      (network) => {
        if (network.status !== "ok") logger.warn({ problems: network.problems }, `setup network: ${network.detail}`);
      },
      (error: unknown) => logger.warn({ err: error }, "could not check the setup network"),
    );
    services.sandboxes.startIdleSweeper();
    services.sandboxes.startSnapshots();
    services.checks.startDeadlineSweeper();
    // Throwaway copies (embed runs, checks) left by a server that stopped mid-run, now and hourly;
    // two hours is past the longest run (one hour), so another node's running ones are not touched.
    const clearThrowaways = (): void =>
      void services.sessions
        .clearThrowaways(new Date(Date.now() - 2 * HOUR_MS))
        .catch((error: unknown) => logger.error({ err: error }, "could not remove throwaway copies"));
    clearThrowaways();
    setInterval(clearThrowaways, HOUR_MS).unref();
    const days = services.config.setup.layerRetentionDays;
    if (days > 0) {
      const prune = (): void =>
        void services.setups.prune(days).catch((error: unknown) => logger.error({ err: error }, "layer pruning failed"));
      setInterval(prune, DAY_MS).unref();
    }
  })();
  return globalForServices.sandpitReady;
}
