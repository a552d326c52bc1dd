import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import pg from "pg";
import { removeDataDir, removeSandboxesOf, tempDataDir } from "./cleanup";
import { freshPostgres } from "./databases";
import { testDocker } from "./docker";
import { roundRobinProxy, type RoundRobinProxy } from "./round-robin-proxy";
import { startS3, type S3Server } from "./s3";
import { secondEngine } from "./second-engine";
import { freePort, startServer, type RunningServer } from "./server";

export interface ClusterNode {
  /** node1, node2, …, as test output names them. */
  name: string;
  /** Its node id (the data folder's `node-id`, written before its first start). */
  id: string;
  /** The Docker engine it runs sandboxes on. */
  engine: "main" | "second";
  docker: Dockerode;
  dataDir: string;
  /** Its own address (SANDPIT_NODE_ADDRESS); a restart gives it a new port. */
  url: string;
  /** The running process; undefined after crash() until restart(). */
  server: RunningServer | undefined;
}

/** A container of a session on one of the engines, and the node that started it. */
export interface SessionContainer {
  engine: "main" | "second";
  node: string;
  role: string;
  id: string;
  running: boolean;
}

export interface Cluster {
  /** The round-robin proxy in front of the nodes: where the tests send everything. */
  url: string;
  proxy: RoundRobinProxy;
  nodes: ClusterNode[];
  s3: S3Server;
  /** A query on the shared database (the test reads leases and snapshot keys). */
  query<Row extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /** The node holding a running lease of the session, if one does. */
  holder(sessionId: string): Promise<ClusterNode | undefined>;
  /** The session's containers on every engine of the cluster, running or not. */
  containers(sessionId: string): Promise<SessionContainer[]>;
  /** kill -9 of the node's process: no shutdown at all; its containers stay on its engine. */
  crash(node: ClusterNode): Promise<void>;
  /** Starts the node again on its data folder (same node id) at a new port. */
  restart(node: ClusterNode): Promise<void>;
  /** Every node's output, for a failing test's message. */
  logs(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ClusterOptions {
  /** 2 or 3 (default 3): node2 runs on the second engine, the others on the main one. */
  nodes?: number;
  /** Settings for every node. */
  env?: Record<string, string>;
}

/**
 * Sandpit as several nodes on this machine, as several hosts would run it: one fresh PostgreSQL
 * database and one S3-protocol server shared by all; each node with its own data folder, port and
 * node id, node2 on a second Docker engine (test/second-engine.ts) and the others on the main one;
 * the same owner secret in every data folder (docs/deploy.md, "What is shared"); a heartbeat of 1 s
 * so that a lost node's leases lapse in 3 s; and a round-robin proxy in front, whose URL is every
 * node's SANDPIT_PUBLIC_URL. Needs TEST_DATABASE_URL and the built app.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const { docker: mainDocker, image } = testDocker();
  const cleanups: Array<() => Promise<void>> = [];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const second = await secondEngine([image]);
    const database = await freshPostgres();
    cleanups.push(() => database[Symbol.asyncDispose]());
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    cleanups.push(() => pool.end());
    const s3 = await startS3();
    cleanups.push(() => s3[Symbol.asyncDispose]());
    const proxy = await roundRobinProxy();
    cleanups.push(() => proxy[Symbol.asyncDispose]());

    const common: Record<string, string> = {
      DATABASE_URL: database.url,
      OBJECT_STORE_URL: `s3://sandpit?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      SANDPIT_PUBLIC_URL: proxy.url,
      SANDPIT_HEARTBEAT_INTERVAL: "1s",
      // Sessions' containers carry their session's label only when no warm sandbox served them.
      SANDPIT_WARM_POOL: "0",
      ...options.env,
    };
    const ownerSecret = randomBytes(32).toString("hex");
    const nodes: ClusterNode[] = [];
    for (let i = 1; i <= count; i++) {
      const dataDir = tempDataDir(`sandpit-node${i}-`);
      const id = `n-${randomBytes(6).toString("hex")}`;
      writeFileSync(path.join(dataDir, "node-id"), `${id}\n`, { mode: 0o600 });
      writeFileSync(path.join(dataDir, "owner-secret"), ownerSecret, { mode: 0o600 });
      const onSecond = i === 2;
      const node: ClusterNode = {
        name: `node${i}`,
        id,
        engine: onSecond ? "second" : "main",
        docker: onSecond ? second.docker : mainDocker,
        dataDir,
        url: "",
        server: undefined,
      };
      nodes.push(node);
      cleanups.push(async () => {
        await node.server?.[Symbol.asyncDispose]();
        node.server = undefined;
        // Its containers (an orphan of a crash included) mount its data folder, on its own engine.
        await removeSandboxesOf(node.docker, dataDir);
        await removeDataDir(dataDir);
      });
    }

    // Every process each node ran, for the logs of one that crashed.
    const ran = new Map<ClusterNode, RunningServer[]>();
    const start = async (node: ClusterNode): Promise<void> => {
      const port = await freePort();
      node.url = `http://127.0.0.1:${port}`;
      const env: Record<string, string> = { ...common, SANDPIT_NODE_ADDRESS: node.url };
      // The second engine has no network for setups (scripts/ensure-second-docker.sh).
      if (node.engine === "second") Object.assign(env, { DOCKER_HOST: second.host, SANDPIT_SETUP_NETWORK: "none" });
      node.server = await startServer(env, { dataDir: node.dataDir, port, docker: node.docker });
      ran.set(node, [...(ran.get(node) ?? []), node.server]);
    };
    const route = (): void => proxy.setTargets(nodes.map((node) => node.url).filter(Boolean));

    // Migrations take no lock against other nodes: the first node makes the schema, then the others start.
    const [first, ...others] = nodes as [ClusterNode, ...ClusterNode[]];
    await start(first);
    await Promise.all(others.map(start));
    route();

    const query = async <Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> =>
      (await pool.query<Row>(text, values)).rows;
    const engines = [
      { engine: "main" as const, docker: mainDocker },
      { engine: "second" as const, docker: second.docker },
    ];

    return {
      url: proxy.url,
      proxy,
      nodes,
      s3,
      query,
      async holder(sessionId) {
        const [row] = await query<{ node_id: string }>(
          "select node_id from session_leases where session_id = $1 and expires_at > now()",
          [sessionId],
        );
        return nodes.find((node) => node.id === row?.node_id);
      },
      async containers(sessionId) {
        const found: SessionContainer[] = [];
        for (const { engine, docker } of engines) {
          const list = await docker.listContainers({ all: true, filters: { label: [`dev.sandpit.session=${sessionId}`] } });
          for (const info of list)
            found.push({
              engine,
              node: info.Labels["dev.sandpit.node"] ?? "",
              role: info.Labels["dev.sandpit.role"] ?? "",
              id: info.Id,
              running: info.State === "running",
            });
        }
        return found;
      },
      async crash(node) {
        await node.server?.crash();
        node.server = undefined;
      },
      async restart(node) {
        await start(node);
        route();
      },
      logs() {
        return nodes
          .flatMap((node) =>
            (ran.get(node) ?? []).map(
              (server) => `--- ${node.name} (${node.id}, ${node.engine} engine, ${server.url})\n${server.logs()}`,
            ),
          )
          .join("\n");
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
