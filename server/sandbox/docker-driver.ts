import "server-only";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import {
  LABEL_ROLE,
  LABEL_SESSION,
  type PtyHandle,
  type PtyOptions,
  type SandboxContainer,
  type SandboxDriver,
  type SandboxSpec,
} from "./driver";
import { SandboxUnavailableError } from "./errors";

const MiB = 1024 * 1024;
const SANDBOX_UID = "1000:1000";

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/** Sandboxes as Docker containers, hardened as DESIGN.md's isolation defaults say. */
export class DockerSandboxDriver implements SandboxDriver {
  readonly name = "docker";

  constructor(
    private readonly docker: Dockerode,
    private readonly log: Logger,
    /** The engine's OCI runtime for sandboxes and setups (e.g. runsc for gVisor); the engine's default when unset. */
    private readonly runtime?: string,
  ) {}

  /** The container configuration for a spec; every limit comes from the spec. */
  static createOptions(spec: SandboxSpec, runtime?: string): Dockerode.ContainerCreateOptions {
    const { limits } = spec;
    const binds = [
      `${spec.workspaceDir}:/workspace:rw`,
      `${spec.runDir}:/run/sandpit:rw`,
      `${spec.agentDir}:/opt/sandpit/agent:ro`,
      ...(spec.layerDir ? [`${spec.layerDir}:/opt/layer:${spec.layerWritable ? "rw" : "ro"}`] : []),
      ...(spec.caBundle ? [`${spec.caBundle}:/etc/sandpit/ca.crt:ro`] : []),
    ];
    const networkMode = spec.network ? (spec.networkMode ?? "bridge") : "none";
    return {
      Image: spec.image,
      Cmd: ["node", "/opt/sandpit/agent/agent.ts", "/run/sandpit/agent.sock"],
      User: SANDBOX_UID,
      WorkingDir: "/workspace",
      Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
      Labels: { [LABEL_SESSION]: spec.sessionId, [LABEL_ROLE]: spec.role ?? "sandbox" },
      NetworkDisabled: !spec.network,
      HostConfig: {
        NetworkMode: networkMode,
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        Memory: limits.memoryMb * MiB,
        MemorySwap: limits.memoryMb * MiB,
        PidsLimit: limits.pids,
        NanoCpus: Math.round(limits.cpus * 1e9),
        Ulimits: [
          { Name: "nofile", Soft: limits.nofile, Hard: limits.nofile },
          { Name: "fsize", Soft: limits.fsizeMb * MiB, Hard: limits.fsizeMb * MiB },
        ],
        Tmpfs: {
          "/tmp": `rw,exec,nosuid,nodev,size=${limits.tmpMb}m,mode=1777`,
          "/home/sandbox": "rw,nosuid,nodev,size=16m,uid=1000,gid=1000,mode=0700",
        },
        Binds: binds,
        RestartPolicy: { Name: "no" },
        ...(runtime ? { Runtime: runtime } : {}),
      },
    };
  }

  async start(spec: SandboxSpec): Promise<{ containerId: string }> {
    this.log.debug({ sessionId: spec.sessionId, image: spec.image }, "starting sandbox container");
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer(DockerSandboxDriver.createOptions(spec, this.runtime));
    } catch (error) {
      const message = (error as Error).message;
      if (this.runtime && /runtime/i.test(message)) {
        throw new SandboxUnavailableError(
          `the Docker engine has no runtime "${this.runtime}" (SANDPIT_DOCKER_RUNTIME): register it in /etc/docker/daemon.json and restart Docker (see SECURITY.md), or unset SANDPIT_DOCKER_RUNTIME`,
        );
      }
      throw new SandboxUnavailableError(`Docker could not create the sandbox: ${message}`);
    }
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new SandboxUnavailableError(`Docker could not start the sandbox: ${(error as Error).message}`);
    }
    this.log.debug({ sessionId: spec.sessionId, containerId: container.id }, "sandbox container started");
    return { containerId: container.id };
  }

  async list(): Promise<SandboxContainer[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL_SESSION] } });
    return containers.map((c) => ({
      id: c.Id,
      sessionId: c.Labels[LABEL_SESSION] ?? "",
      role: c.Labels[LABEL_ROLE] ?? "",
      running: c.State === "running",
    }));
  }

  async isRunning(containerId: string): Promise<boolean> {
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      return info.State.Running;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async remove(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true });
      this.log.debug({ containerId }, "sandbox container removed");
    } catch (error) {
      if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  }

  async openPty(containerId: string, options: PtyOptions): Promise<PtyHandle> {
    const exec = await this.docker.getContainer(containerId).exec({
      Cmd: options.cmd,
      Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`),
      WorkingDir: options.cwd,
      User: SANDBOX_UID,
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    const resize = async (cols: number, rows: number): Promise<void> => {
      await exec.resize({ w: cols, h: rows });
    };
    await resize(options.cols, options.rows).catch(() => undefined);
    const exited = new Promise<number>((resolve) => {
      stream.on("close", () => {
        exec.inspect().then(
          (info) => resolve(info.ExitCode ?? 0),
          () => resolve(1),
        );
      });
    });
    return { stream, resize, exited: () => exited };
  }
}
