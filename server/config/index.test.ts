import { totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, "/srv/sandpit");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("loadConfig", () => {
  it("has working defaults for one machine", () => {
    const config = loadConfig({}, "/srv/sandpit");
    expect(config.port).toBe(3000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.dataDir).toBe("/srv/sandpit/.sandpit");
    expect(config.objectStore).toEqual({ kind: "fs", root: "/srv/sandpit/.sandpit/objects" });
    expect(config.database).toEqual({ kind: "pglite", dir: "/srv/sandpit/.sandpit/db" });
    expect(config.docker.socketPath).toBe("/var/run/docker.sock");
    expect(config.runtimeImage).toBe("sandpit-runtime");
    expect(config.idleTimeoutMs).toBe(600_000);
    expect(config.setup).toEqual({
      timeoutMs: 600_000,
      concurrency: 2,
      network: "sandpit-setup",
      allow: [],
      layerRetentionDays: 30,
      diskMb: 8192,
    });
    expect(config.limits.outputBytes).toBe(1_048_576);
    expect(config.limits.workspaceMb).toBe(1024);
    expect(config.workspaceQuota).toBe("auto");
    expect(config.docker.runtime).toBe("auto");
  });

  it("reads an S3 object store URL with its endpoint, region and credentials", () => {
    const config = loadConfig(
      {
        OBJECT_STORE_URL: "s3://layers/sandpit?endpoint=http://127.0.0.1:9000&region=eu-west-1",
        S3_ACCESS_KEY_ID: "id",
        S3_SECRET_ACCESS_KEY: "secret",
      },
      "/srv",
    );
    expect(config.objectStore).toEqual({
      kind: "s3",
      bucket: "layers",
      prefix: "sandpit",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
      forcePathStyle: true,
      accessKeyId: "id",
      secretAccessKey: "secret",
    });
  });

  it("reads durations with units and PostgreSQL URLs", () => {
    const config = loadConfig(
      { SANDPIT_IDLE_TIMEOUT: "90s", SANDPIT_RUN_TIMEOUT: "2m", DATABASE_URL: "postgres://u:p@db/sandpit" },
      "/srv",
    );
    expect(config.idleTimeoutMs).toBe(90_000);
    expect(config.limits.runTimeoutMs).toBe(120_000);
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://u:p@db/sandpit" });
  });

  it.each([
    ["PORT", "0", "PORT: 0 is out of range; allowed 1 to 65535"],
    ["PORT", "web", 'PORT: "web" is not a whole number'],
    ["DOCKER_HOST", "docker.local", "DOCKER_HOST: must look like unix:///var/run/docker.sock"],
    ["DOCKER_SOCKET", "docker.sock", "DOCKER_SOCKET: must be an absolute path"],
    ["SANDPIT_RUNTIME_IMAGE", "Bad Image", "SANDPIT_RUNTIME_IMAGE: must be a Docker image name"],
    ["OBJECT_STORE_URL", "ftp://files", 'OBJECT_STORE_URL: scheme "ftp:" is not supported'],
    [
      "OBJECT_STORE_URL",
      "s3://bucket?endpoint=minio:9000",
      'OBJECT_STORE_URL: endpoint "minio:9000" must start with http:// or https://',
    ],
    ["OBJECT_STORE_URL", "not a url", 'OBJECT_STORE_URL: "not a url" is not a URL'],
    ["DATABASE_URL", "mysql://db/x", 'DATABASE_URL: "mysql://db/x" is not supported'],
    ["SANDPIT_IDLE_TIMEOUT", "soon", 'SANDPIT_IDLE_TIMEOUT: "soon" is not a duration'],
    ["SANDPIT_IDLE_TIMEOUT", "1s", "SANDPIT_IDLE_TIMEOUT: 1s is out of range"],
    ["SANDPIT_RUN_TIMEOUT", "2h", "SANDPIT_RUN_TIMEOUT: 2h is out of range"],
    ["SANDPIT_SETUP_TIMEOUT", "-5", 'SANDPIT_SETUP_TIMEOUT: "-5" is not a duration'],
    ["SANDPIT_SETUP_CONCURRENCY", "0", "SANDPIT_SETUP_CONCURRENCY: 0 is out of range; allowed 1 to 64"],
    ["SANDPIT_MEMORY_MB", "16", "SANDPIT_MEMORY_MB: 16 is out of range"],
    ["SANDPIT_CPUS", "lots", 'SANDPIT_CPUS: "lots" must be a number from 0.1 to 64'],
    ["SANDPIT_PIDS_LIMIT", "3.5", 'SANDPIT_PIDS_LIMIT: "3.5" is not a whole number'],
    ["SANDPIT_TMP_MB", "0", "SANDPIT_TMP_MB: 0 is out of range"],
    ["SANDPIT_WORKSPACE_MB", "8", "SANDPIT_WORKSPACE_MB: 8 is out of range"],
    ["SANDPIT_SETUP_DISK_MB", "10", "SANDPIT_SETUP_DISK_MB: 10 is out of range"],
    ["SANDPIT_WORKSPACE_QUOTA", "xfs", "SANDPIT_WORKSPACE_QUOTA: must be auto, volume or folder"],
    ["SANDPIT_VOLUME_POOL", "xfs", "SANDPIT_VOLUME_POOL: must be auto or off"],
    ["SANDPIT_DOCKER_RUNTIME", "run sc", "SANDPIT_DOCKER_RUNTIME: must be auto or the name of a runtime registered with Docker"],
    ["SANDPIT_OUTPUT_LIMIT_BYTES", "10", "SANDPIT_OUTPUT_LIMIT_BYTES: 10 is out of range"],
    ["SANDPIT_PIP_INDEX_URL", "index.example.com", "SANDPIT_PIP_INDEX_URL: must be an http:// or https:// URL"],
    ["SANDPIT_NPM_REGISTRY", "ftp://npm", "SANDPIT_NPM_REGISTRY: must be an http:// or https:// URL"],
    ["SANDPIT_GOPROXY", "goproxy.example.com", "SANDPIT_GOPROXY: must be a GOPROXY list"],
    [
      "SANDPIT_EXTRA_CA_BUNDLE",
      "/no/such/bundle.pem",
      'SANDPIT_EXTRA_CA_BUNDLE: "/no/such/bundle.pem" is not an existing absolute path',
    ],
    ["SANDPIT_SETUP_NETWORK", "my net", "SANDPIT_SETUP_NETWORK: must be a Docker network name"],
    ["SANDPIT_GOSUMDB", "sum golang", "SANDPIT_GOSUMDB: must be off or the host of a Go checksum database"],
    ["SANDPIT_SETUP_ALLOW", "10.1.2.3", 'SANDPIT_SETUP_ALLOW: "10.1.2.3" is not an allowed address; use IP:PORT'],
    ["SANDPIT_SETUP_ALLOW", "mirror.lan:3141", 'SANDPIT_SETUP_ALLOW: "mirror.lan:3141" is not an allowed address'],
    ["SANDPIT_SETUP_ALLOW", "10.1.2.3:90-80", 'SANDPIT_SETUP_ALLOW: "10.1.2.3:90-80" is not an allowed address'],
    ["SANDPIT_TERMINALS_PER_SESSION", "0", "SANDPIT_TERMINALS_PER_SESSION: 0 is out of range; allowed 1 to 256"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent"],
    [
      "SANDPIT_PUBLIC_URL",
      "sandpit.example.com",
      "SANDPIT_PUBLIC_URL: must be the http:// or https:// URL people open Sandpit at",
    ],
    ["SANDPIT_ALLOWED_HOSTS", "ok.example.com,bad host", 'SANDPIT_ALLOWED_HOSTS: "bad host" is not a host name'],
  ])("refuses %s=%s and says what is allowed", (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("reads the setup network, its allow-list and the terminal cap", () => {
    const defaults = loadConfig({}, "/srv");
    expect(defaults.setup).toMatchObject({ network: "sandpit-setup", allow: [] });
    expect(defaults.terminals.perSession).toBe(8);
    const config = loadConfig(
      { SANDPIT_SETUP_ALLOW: "10.1.2.3:3141, host-gateway:8080-8081,[FD00::5]:80", SANDPIT_TERMINALS_PER_SESSION: "3" },
      "/srv",
    );
    expect(config.setup.allow).toEqual([
      { host: "10.1.2.3", fromPort: 3141, toPort: 3141 },
      { host: "host-gateway", fromPort: 8080, toPort: 8081 },
      { host: "fd00::5", fromPort: 80, toPort: 80 },
    ]);
    expect(config.terminals.perSession).toBe(3);
  });

  it("turns sign-in on only with an issuer, a client id and a secret, and names what is missing", () => {
    expect(loadConfig({}, "/srv").oidc).toBeUndefined();
    const oidc = { SANDPIT_OIDC_ISSUER: "https://id.example.com/realms/school", SANDPIT_OIDC_CLIENT_ID: "sandpit" };
    expect(problemsOf(oidc)).toEqual([
      "SANDPIT_OIDC_CLIENT_SECRET: must be set too for sign-in through OpenID Connect (or unset them all to turn it off)",
    ]);
    expect(loadConfig({ ...oidc, SANDPIT_OIDC_CLIENT_SECRET: "s3cret" }, "/srv").oidc).toEqual({
      issuer: "https://id.example.com/realms/school",
      clientId: "sandpit",
      clientSecret: "s3cret",
      providerName: "id.example.com",
    });
    expect(loadConfig({ ...oidc, SANDPIT_OIDC_CLIENT_SECRET: "s", SANDPIT_OIDC_NAME: "School" }, "/srv").oidc?.providerName).toBe(
      "School",
    );
  });

  it("takes an http issuer only on a loopback address", () => {
    const secrets = { SANDPIT_OIDC_CLIENT_ID: "sandpit", SANDPIT_OIDC_CLIENT_SECRET: "s" };
    expect(loadConfig({ ...secrets, SANDPIT_OIDC_ISSUER: "http://127.0.0.1:4000" }, "/srv").oidc?.issuer).toBe(
      "http://127.0.0.1:4000",
    );
    expect(problemsOf({ ...secrets, SANDPIT_OIDC_ISSUER: "http://id.example.com" })).toEqual([
      "SANDPIT_OIDC_ISSUER: must use https:// (http:// only for a provider on localhost)",
    ]);
  });

  it("names every bad variable at once", () => {
    const problems = problemsOf({ PORT: "99999", LOG_LEVEL: "loud" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["LOG_LEVEL", "PORT"]);
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ PORT: "", OBJECT_STORE_URL: "" }, "/srv").port).toBe(3000);
  });
  it("holds SANDPIT_RUN_TIMEOUT to the run timeout's bounds: 30 s by default, 1 s to 1 h", () => {
    expect(loadConfig({}, "/srv/sandpit").limits.runTimeoutMs).toBe(30_000);
    expect(loadConfig({ SANDPIT_RUN_TIMEOUT: "1h" }, "/srv/sandpit").limits.runTimeoutMs).toBe(3_600_000);
    expect(problemsOf({ SANDPIT_RUN_TIMEOUT: "3601s" })).toEqual([
      "SANDPIT_RUN_TIMEOUT: 3601s is out of range; allowed 1s to 3600s",
    ]);
    expect(problemsOf({ SANDPIT_RUN_TIMEOUT: "500ms" })).toEqual([
      "SANDPIT_RUN_TIMEOUT: 500ms is out of range; allowed 1s to 3600s",
    ]);
  });
});

describe("the preview domain", () => {
  it("defaults to subdomains of localhost and takes a domain of its own", () => {
    expect(loadConfig({}, "/srv/sandpit").preview).toEqual({ url: undefined, connections: 64 });
    expect(
      loadConfig(
        { SANDPIT_PREVIEW_URL: "https://sandpit-preview.example.net", SANDPIT_PUBLIC_URL: "https://sandpit.example.com" },
        "/srv",
      ).preview.url,
    ).toBe("https://sandpit-preview.example.net");
  });

  it("refuses Sandpit's own host, a domain above it or under it, and URLs with more than an origin", () => {
    for (const preview of ["https://sandpit.example.com", "https://example.com", "https://p.sandpit.example.com"])
      expect(problemsOf({ SANDPIT_PREVIEW_URL: preview, SANDPIT_PUBLIC_URL: "https://sandpit.example.com" })[0]).toMatch(
        /^SANDPIT_PREVIEW_URL: .* must not be Sandpit's own host/,
      );
    for (const preview of [
      "https://preview.example.com/app",
      "https://preview.example.com/?a=1",
      "https://localhost",
      "ftp://x.y",
    ])
      expect(problemsOf({ SANDPIT_PREVIEW_URL: preview })[0], preview).toMatch(/^SANDPIT_PREVIEW_URL: /);
  });

  it("names this node by its own URL and offers as many sandboxes as fit in memory unless told", () => {
    const config = loadConfig({ PORT: "4000", SANDPIT_MEMORY_MB: "1024" }, "/srv");
    expect(config.node.address).toBe("http://127.0.0.1:4000");
    expect(config.node.capacity).toBe(Math.max(1, Math.floor(totalmem() / 2 ** 30)));
    expect(config.node.heartbeatMs).toBe(10_000);
    expect(loadConfig({ SANDPIT_PUBLIC_URL: "https://sandpit.example.com" }, "/srv").node.address).toBe(
      "https://sandpit.example.com",
    );
    const told = loadConfig(
      { SANDPIT_NODE_ADDRESS: "http://10.0.0.5:3000", SANDPIT_MAX_SANDBOXES: "40", SANDPIT_HEARTBEAT_INTERVAL: "5s" },
      "/srv",
    );
    expect(told.node).toEqual({ address: "http://10.0.0.5:3000", capacity: 40, heartbeatMs: 5_000 });
    expect(loadConfig({ SANDPIT_HOST: "::1" }, "/srv").node.address).toBe("http://[::1]:3000");
  });

  it("snapshots running sandboxes every minute unless told another interval, or 0 for never", () => {
    expect(loadConfig({}, "/srv").snapshotIntervalMs).toBe(60_000);
    expect(loadConfig({ SANDPIT_SNAPSHOT_INTERVAL: "5m" }, "/srv").snapshotIntervalMs).toBe(300_000);
    expect(loadConfig({ SANDPIT_SNAPSHOT_INTERVAL: "0" }, "/srv").snapshotIntervalMs).toBe(0);
    expect(problemsOf({ SANDPIT_SNAPSHOT_INTERVAL: "500ms" })).toEqual([
      "SANDPIT_SNAPSHOT_INTERVAL: 500ms is out of range; allowed 1s to 86400s, or 0 to turn it off",
    ]);
    expect(problemsOf({ SANDPIT_SNAPSHOT_INTERVAL: "often" })).toEqual([
      'SANDPIT_SNAPSHOT_INTERVAL: "often" is not a duration; use seconds (600) or a unit: 500ms, 30s, 10m, 1h, or 0 to turn it off',
    ]);
  });

  it("refuses a short metrics token and a node address that is no URL", () => {
    expect(problemsOf({ SANDPIT_METRICS_TOKEN: "short" })[0]).toMatch(/^SANDPIT_METRICS_TOKEN: must be 16 to 256/);
    expect(problemsOf({ SANDPIT_NODE_ADDRESS: "10.0.0.5:3000" })[0]).toMatch(/^SANDPIT_NODE_ADDRESS: must be the http/);
    expect(problemsOf({ SANDPIT_HEARTBEAT_INTERVAL: "10m" })[0]).toMatch(/^SANDPIT_HEARTBEAT_INTERVAL: 10m is out of range/);
  });
});
