import "server-only";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import { type Duplex, PassThrough } from "node:stream";
import { DockerStreamDemuxer } from "./demux";
import {
  AGENT_FILE,
  AGENT_MOUNT,
  type AgentChannel,
  LABEL_NODE,
  LABEL_ROLE,
  LABEL_SESSION,
  type PtyHandle,
  type PtyOptions,
  type SandboxContainer,
  type SandboxDriver,
  type SandboxSpec,
  SLOT_FORK,
  SLOT_MOUNT,
  type StartedSandbox,
} from "./driver";
import { SandboxUnavailableError } from "../errors";
import { containerBounds } from "./limits";
import { gvisorPidsLimit, type RuntimeSource } from "./runtime";

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
    /** The OCI runtimes for sandboxes and for networked (setup) containers; the engine's default when unset. */
    private readonly runtimes?: RuntimeSource,
    /** This process's node id: its containers carry it, and it lists only those (and unlabelled ones). */
    private readonly node?: string,
  ) {}

  /** The container configuration for a spec; every limit comes from the spec. */
  /**
   * The agent's command. One V8 helper thread and one libuv thread: each switch to the sandbox
   * user is told to every thread of the agent, which gVisor makes costly (see asUser). What it is
   * told (the pool's size, that it runs under gVisor: AGENT_RUNTIME_ENV) is in its own environment
   * alone, not the container's, so that processes Docker starts in it (terminals) never see it.
   */
  static agentCommand(gvisor: boolean): string[] {
    return [
      // By absolute path: the image's PATH starts with the session's layer, which its setup fills.
      "/usr/bin/env",
      "UV_THREADPOOL_SIZE=1",
      // Always given, so that a setup's own variable of that name cannot stand in for it.
      `SANDPIT_AGENT_RUNTIME=${gvisor ? "gvisor" : "runc"}`,
      "/usr/local/bin/node",
      "--v8-pool-size=1",
      `${AGENT_MOUNT}/${AGENT_FILE}`,
    ];
  }

  static createOptions(spec: SandboxSpec, runtime?: string, gvisor = false): Dockerode.ContainerCreateOptions {
    const { limits } = spec;
    // A warm sandbox receives mounts the host makes beneath its workspace and slot later (a fork's).
    const propagation = spec.slotHolder ? ",rslave" : "";
    const binds = [
      `${spec.workspaceDir}:/workspace:rw${propagation}`,
      ...(spec.slotHolder ? [`${spec.slotHolder}:${SLOT_MOUNT}:rw${propagation}`] : []),
      // The bundle alone, never its folder: whoever owns the folder on the host, a sandbox that
      // escapes the read-only flag (gVisor lets a user namespace remount a bind mount) finds only
      // a root-owned file it cannot change, and nothing to rename or add beside it.
      `${spec.agentDir}/${AGENT_FILE}:${AGENT_MOUNT}/${AGENT_FILE}:ro`,
      ...(spec.layerDir ? [`${spec.layerDir}:/opt/layer:${spec.layerWritable ? "rw" : "ro"}`] : []),
      ...(spec.caBundle ? [`${spec.caBundle}:/etc/sandpit/ca.crt:ro`] : []),
    ];
    const networkMode = spec.network ? (spec.networkMode ?? "bridge") : "none";
    return {
      Image: spec.image,
      // The agent runs as container root with only the capabilities to start processes as the
      // sandbox user (and stop them); it talks over its stdio, which nothing logs.
      Cmd: DockerSandboxDriver.agentCommand(gvisor),
      User: "0:0",
      OpenStdin: true,
      StdinOnce: false,
      Tty: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      WorkingDir: "/workspace",
      Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
      Labels: { [LABEL_SESSION]: spec.sessionId, [LABEL_ROLE]: spec.role ?? "sandbox" },
      NetworkDisabled: !spec.network,
      HostConfig: {
        NetworkMode: networkMode,
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        CapAdd: ["SETUID", "SETGID", "KILL"],
        LogConfig: { Type: "none", Config: {} },
        SecurityOpt: ["no-new-privileges"],
        ...containerBounds(limits),
        Tmpfs: {
          "/tmp": `rw,exec,nosuid,nodev,size=${limits.tmpMb}m,mode=1777`,
          "/home/sandbox": "rw,nosuid,nodev,size=16m,uid=1000,gid=1000,mode=0700",
          // The agent's own: root's, which the sandbox user cannot write.
          "/run/sandpit": "rw,nosuid,nodev,noexec,size=1m,mode=0700",
        },
        Binds: binds,
        RestartPolicy: { Name: "no" },
        ...(runtime ? { Runtime: runtime } : {}),
      },
    };
  }

  async start(spec: SandboxSpec): Promise<StartedSandbox> {
    this.log.debug({ sessionId: spec.sessionId, image: spec.image }, "starting sandbox container");
    let container: Dockerode.Container;
    let runtime: string | undefined;
    try {
      const choice = await this.runtimes?.choose();
      runtime = spec.network ? choice?.network : choice?.sandbox;
      const gvisor = Boolean(choice?.gvisor && runtime);
      const options = DockerSandboxDriver.createOptions(spec, runtime, gvisor);
      if (gvisor && options.HostConfig) options.HostConfig.PidsLimit = gvisorPidsLimit(spec.limits.pids);
      if (this.node) options.Labels = { ...options.Labels, [LABEL_NODE]: this.node };
      container = await this.docker.createContainer(options);
    } catch (error) {
      const message = (error as Error).message;
      if (runtime && /runtime/i.test(message)) {
        throw new SandboxUnavailableError(
          `the Docker engine has no runtime "${runtime}" (SANDPIT_DOCKER_RUNTIME): register it in /etc/docker/daemon.json and reload Docker (see SECURITY.md), or set SANDPIT_DOCKER_RUNTIME=auto`,
        );
      }
      throw new SandboxUnavailableError(`Docker could not create the sandbox: ${message}`);
    }
    let channel: AgentChannel | undefined;
    try {
      // Attached before it starts, so not a byte of the agent's output is missed.
      channel = await this.attachTo(container);
      await container.start();
    } catch (error) {
      channel?.close();
      await container.remove({ force: true }).catch(() => undefined);
      throw new SandboxUnavailableError(`Docker could not start the sandbox: ${(error as Error).message}`);
    }
    this.log.debug({ sessionId: spec.sessionId, containerId: container.id }, "sandbox container started");
    return { containerId: container.id, channel };
  }

  async attach(containerId: string): Promise<AgentChannel> {
    try {
      return await this.attachTo(this.docker.getContainer(containerId));
    } catch (error) {
      throw new SandboxUnavailableError(`Docker could not attach to the sandbox: ${(error as Error).message}`);
    }
  }

  /** The agent's stdio over a hijacked attach connection; stderr (its log) goes to this log, in bounded pieces. */
  private async attachTo(container: Dockerode.Container): Promise<AgentChannel> {
    const socket = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
    const input = new PassThrough();
    const demuxer = new DockerStreamDemuxer((kind, data) => {
      if (kind === 1) {
        // The client reads as fast as lines arrive; a full buffer means it stopped, so pause the socket.
        if (!input.write(data)) socket.pause();
      } else this.log.debug({ containerId: container.id, agent: data.toString("utf8", 0, 2000) }, "sandbox agent log");
    });
    input.on("drain", () => socket.resume());
    socket.on("data", (chunk: Buffer) => demuxer.push(chunk));
    socket.on("end", () => input.end());
    socket.on("close", () => input.end());
    socket.on("error", (error) => input.destroy(error));
    return {
      input,
      output: socket,
      close: () => {
        socket.destroy();
        input.destroy();
      },
    };
  }

  async list(): Promise<SandboxContainer[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL_SESSION] } });
    // Containers of another Sandpit process on this engine are left alone; unlabelled ones come
    // from versions before node ids and are this process's to adopt or remove.
    const own = containers.filter((c) => !this.node || (c.Labels[LABEL_NODE] ?? this.node) === this.node);
    return own.map((c) => ({
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

  /** Without a runtime choice the engine's default is not known: a sandbox syncs to be safe. */
  async writesThrough(): Promise<boolean> {
    return (await this.runtimes?.choose())?.writesThrough ?? false;
  }

  async takeForkWorkspace(containerId: string): Promise<void> {
    const container = this.docker.getContainer(containerId);
    // Warm sandboxes are this process's, started under its choice (unclaimed ones from an earlier
    // start are removed at start-up).
    const choice = await this.runtimes?.choose();
    if (!choice?.gvisor || !choice.sandbox) return;
    // One mount command from the read-only image, run by the engine with the capabilities to
    // mount inside gVisor's kernel; neither the agent nor user code ever holds them.
    const exec = await container.exec({
      Cmd: ["/bin/mount", "--bind", "--", SLOT_FORK, "/workspace"],
      Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
      User: "0:0",
      Privileged: true,
      WorkingDir: "/",
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== 0) {
      const said = Buffer.concat(chunks)
        .toString("utf8")
        .replace(/[^\x20-\x7e]/g, "")
        .slice(-300);
      throw new SandboxUnavailableError(`could not give the sandbox its fork's workspace (exit ${ExitCode}): ${said}`);
    }
  }
}
