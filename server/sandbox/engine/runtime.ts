import "server-only";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import type { Limits } from "@/server/config/index";
import path from "node:path";
import { demuxDockerStream } from "./demux";

/** The OCI runtimes containers run under, chosen once per process. */
export interface RuntimeChoice {
  /** For sandboxes (no network); undefined means the engine's default. */
  sandbox?: string;
  /** For containers with network (setups); undefined means the engine's default. */
  network?: string;
  /** What sandboxes run under, e.g. "runsc" or "runc". */
  name: string;
  /** Whether that is gVisor. */
  gvisor: boolean;
  /** Why, in one sentence. */
  reason: string;
  /** True when auto wanted gVisor and could not use it. */
  fallback: boolean;
  /**
   * Whether what a sandbox writes to its mounted folders reaches the host's filesystem at once:
   * runc (the host's kernel), and gVisor with its default shared file access for mounts. A VM
   * runtime, or gVisor with `--file-access-mounts=exclusive`, keeps written data of its own, so a
   * copy of a live workspace asks the sandbox to sync first.
   */
  writesThrough: boolean;
}

/** Runtimes whose containers write through the host's kernel. */
const HOST_KERNEL_RUNTIMES = new Set(["runc", "io.containerd.runc.v2", "io.containerd.runtime.v1.linux", "crun"]);

/** Whether containers of `runtime` (as the engine registers it) write through to the host at once. */
export function writesThrough(runtime: string, registered: Record<string, unknown>, gvisor: boolean): boolean {
  const spec = registered[runtime] as { path?: string; runtimeArgs?: string[] } | undefined;
  if (!gvisor) return HOST_KERNEL_RUNTIMES.has(runtime) || HOST_KERNEL_RUNTIMES.has(path.basename(spec?.path ?? ""));
  const args = (spec?.runtimeArgs ?? []).join(" ");
  return !/--?file-access-mounts[= ]exclusive\b/.test(args);
}

export interface RuntimeSource {
  choose(): Promise<RuntimeChoice>;
}

/** The same runtime with network: gVisor passes the container's own network namespace through. */
const networked = (runtime: string): string => `${runtime}-net`;
const PROBE_TIMEOUT_MS = 30_000;
/**
 * What the probe container runs: the tools users run every minute must work, not only start. Older
 * gVisor releases (Debian 12's runsc 20221219) reject statx with AT_NO_AUTOMOUNT, so coreutils'
 * ls -l and stat fail there with "Invalid argument".
 */
const PROBE = "ls -l / >/dev/null && stat -c %a / >/dev/null";

/**
 * The host's pids limit for a gVisor sandbox. gVisor's own threads count against it, and on the
 * ptrace platform every user process costs about eight host tasks (a stub process with a thread per
 * sentry thread that ran it); when the limit is reached gVisor stops the whole sandbox rather than
 * failing the fork. Four times SANDPIT_PIDS_LIMIT keeps ordinary work (a find over /, a build with
 * dozens of processes) running and still bounds a fork bomb.
 */
export function gvisorPidsLimit(pids: number): number {
  return pids * 4;
}

/**
 * Picks the runtime for SANDPIT_DOCKER_RUNTIME. An explicit name is used as given (a missing one fails
 * at the first sandbox, saying so); "auto" uses runsc when the engine lists it and a probe container
 * runs under it, else the engine's default with a warning. The answer is kept for the process;
 * an engine that does not answer is asked again next time.
 */
export interface RuntimeSelectorOptions {
  docker: Dockerode;
  /** The runtime image, which the probe runs. */
  image: string;
  /** SANDPIT_DOCKER_RUNTIME: "auto" or a runtime's name; undefined means the engine's default. */
  setting: string | undefined;
  /** The sandboxes' limits, which the probe runs under (gVisor's own threads count against the pids limit). */
  limits: Pick<Limits, "memoryMb" | "pids">;
  log: Logger;
  /** The gVisor runtime's name with Docker; its networked variant is `<name>-net`. */
  gvisorName?: string;
}

export class RuntimeSelector implements RuntimeSource {
  private choice?: Promise<RuntimeChoice>;
  private readonly docker: Dockerode;
  private readonly setting: string | undefined;
  private readonly log: Logger;
  private readonly gvisorName: string;

  constructor(private readonly options: RuntimeSelectorOptions) {
    this.docker = options.docker;
    this.setting = options.setting;
    this.log = options.log;
    this.gvisorName = options.gvisorName ?? "runsc";
  }

  choose(): Promise<RuntimeChoice> {
    this.choice ??= this.decide().catch((error: unknown) => {
      this.choice = undefined;
      throw error;
    });
    return this.choice;
  }

  private async decide(): Promise<RuntimeChoice> {
    const setting = this.setting;
    const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown>; DefaultRuntime?: string };
    const runtimes = info.Runtimes ?? {};
    const registered = Object.keys(runtimes);
    const engineDefault = info.DefaultRuntime ?? "runc";
    const defaultWritesThrough = writesThrough(engineDefault, runtimes, false);
    if (setting === undefined) {
      return {
        name: engineDefault,
        gvisor: false,
        reason: "the engine's default runtime",
        fallback: false,
        writesThrough: defaultWritesThrough,
      };
    }
    if (setting !== "auto") {
      const network = registered.includes(networked(setting)) ? networked(setting) : setting;
      const gvisor = setting.startsWith(this.gvisorName);
      return {
        sandbox: setting,
        network,
        name: setting,
        gvisor,
        reason: `SANDPIT_DOCKER_RUNTIME=${setting}${network === setting ? "" : ` (setups: ${network})`}`,
        fallback: false,
        writesThrough: writesThrough(setting, runtimes, gvisor),
      };
    }
    const fallBack = (why: string): RuntimeChoice => {
      const reason = `gVisor is not used: ${why}; sandboxes run with ${engineDefault}, sharing the host's kernel`;
      this.log.warn({ runtime: engineDefault }, reason);
      return { name: engineDefault, gvisor: false, reason, fallback: true, writesThrough: defaultWritesThrough };
    };
    if (!registered.includes(this.gvisorName)) {
      return fallBack(
        `the Docker engine has no runtime "${this.gvisorName}" (as root, npm run docker:ensure installs and registers it)`,
      );
    }
    const failed = await this.probe(this.gvisorName);
    if (failed) return fallBack(`a probe container under ${this.gvisorName} failed (${failed})`);
    const network = registered.includes(networked(this.gvisorName)) ? networked(this.gvisorName) : undefined;
    const netFailed = network ? await this.probe(network) : "not registered";
    const setupNote = netFailed
      ? `setups run with ${engineDefault} (${networked(this.gvisorName)}: ${netFailed})`
      : `setups run with ${network}`;
    if (netFailed)
      this.log.warn({ runtime: engineDefault }, `setup containers do not use gVisor: ${networked(this.gvisorName)} ${netFailed}`);
    const reason = `SANDPIT_DOCKER_RUNTIME=auto and a probe container ran under ${this.gvisorName}; ${setupNote}`;
    this.log.info({ runtime: this.gvisorName }, reason);
    return {
      sandbox: this.gvisorName,
      network: netFailed ? undefined : network,
      name: this.gvisorName,
      gvisor: true,
      reason,
      fallback: false,
      writesThrough: writesThrough(this.gvisorName, runtimes, true),
    };
  }

  /**
   * Runs PROBE under `runtime`, hardened like a sandbox; undefined when it worked, else why not
   * (with what the probe printed).
   */
  private async probe(runtime: string): Promise<string | undefined> {
    let container: Dockerode.Container | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      container = await this.docker.createContainer({
        Image: this.options.image,
        Cmd: ["sh", "-c", PROBE],
        User: "1000:1000",
        Labels: { "dev.sandpit.role": "runtime-probe" },
        NetworkDisabled: true,
        HostConfig: {
          Runtime: runtime,
          NetworkMode: "none",
          ReadonlyRootfs: true,
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          Memory: this.options.limits.memoryMb * 1024 * 1024,
          PidsLimit: runtime.startsWith(this.gvisorName) ? gvisorPidsLimit(this.options.limits.pids) : this.options.limits.pids,
          Tmpfs: { "/tmp": "rw,nosuid,nodev,size=1m" },
        },
      });
      await container.start();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no exit within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
      });
      const { StatusCode } = (await Promise.race([container.wait(), timeout])) as { StatusCode: number };
      if (StatusCode === 0) return undefined;
      const logs = demuxDockerStream(await container.logs({ stdout: true, stderr: true, follow: false }));
      const said = (logs.stderr.toString() + logs.stdout.toString()).trim().split("\n")[0]?.slice(0, 200);
      return `exit code ${StatusCode}${said ? `: ${said}` : ""}`;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404 && !container) throw error; // the image is missing: health says so
      return ((error as Error).message.split("\n")[0] ?? "unknown error").trim();
    } finally {
      clearTimeout(timer);
      await container?.remove({ force: true }).catch(() => undefined);
    }
  }
}
