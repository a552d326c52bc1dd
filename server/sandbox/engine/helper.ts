import "server-only";
import type Dockerode from "dockerode";
import type { Limits } from "@/server/config/index";
import { demuxDockerStream } from "./demux";
import { LABEL_ROLE, LABEL_SESSION } from "./driver";
import { SandboxUnavailableError } from "../errors";
import { containerBounds } from "./limits";

export interface HelperJob {
  /** The session the work is for; the container carries its label (and is charged to it). */
  sessionId: string;
  /** Host folders and where they appear; nothing else of the host is mounted. */
  mounts: Array<{ source: string; target: string; readOnly: boolean }>;
  cmd: string[];
  timeoutMs: number;
  /**
   * Runs the command as root in the container with these capabilities (and no others), for work
   * the sandbox user may not do: giving a layer to root. Unset: the sandbox user, no capabilities.
   */
  rootWith?: Array<"CHOWN" | "DAC_OVERRIDE" | "DAC_READ_SEARCH" | "FOWNER">;
}

/**
 * Short-lived containers that do work on a workspace's contents for the host, so that the host
 * never walks a folder sandbox code can write: the runtime image, only the given folders mounted,
 * no network, the sandbox user (or root with the few capabilities a job names), no other
 * capabilities, a read-only root and the sessions' limits. Each is removed when its command ends
 * (or its time is up).
 */
export class HelperContainers {
  constructor(
    private readonly docker: Dockerode,
    private readonly image: string,
    private readonly limits: Limits,
    /** The OCI runtime sandboxes run under (the engine's default when it answers undefined). */
    private readonly runtime?: () => Promise<string | undefined>,
  ) {}

  /** Runs the job; fails with the command's last words when it exits non-zero or runs out of time. */
  async run(job: HelperJob): Promise<void> {
    const { limits } = this;
    const runtime = await this.runtime?.();
    const container = await this.docker.createContainer({
      Image: this.image,
      Cmd: job.cmd,
      User: job.rootWith ? "0:0" : "1000:1000",
      WorkingDir: "/",
      Labels: { [LABEL_SESSION]: job.sessionId, [LABEL_ROLE]: "helper" },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: "none",
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        ...(job.rootWith ? { CapAdd: job.rootWith } : {}),
        SecurityOpt: ["no-new-privileges"],
        ...containerBounds(limits),
        Binds: job.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? "ro" : "rw"}`),
        RestartPolicy: { Name: "no" },
        ...(runtime ? { Runtime: runtime } : {}),
      },
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await container.start();
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), job.timeoutMs);
      });
      const outcome = await Promise.race([container.wait() as Promise<{ StatusCode: number }>, timedOut]);
      if (outcome === "timeout") {
        throw new SandboxUnavailableError(`the workspace helper did not finish within ${Math.round(job.timeoutMs / 1000)} s`);
      }
      if (outcome.StatusCode !== 0) {
        const logs = await container.logs({ stdout: true, stderr: true, follow: false, tail: 20 });
        const { stderr } = demuxDockerStream(logs);
        const last = stderr.toString().trim().split("\n").slice(-3).join("; ");
        throw new SandboxUnavailableError(`the workspace helper failed (exit ${outcome.StatusCode}): ${last}`);
      }
    } finally {
      clearTimeout(timer);
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}
