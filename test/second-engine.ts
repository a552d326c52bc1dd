import { existsSync } from "node:fs";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import Dockerode from "dockerode";

const execFileAsync = promisify(execFile);

/** Where the second engine listens (scripts/ensure-second-docker.sh). */
export const SECOND_ENGINE_SOCKET = "/run/sandpit-test-docker2.sock";
export const SECOND_ENGINE_HOST = `unix://${SECOND_ENGINE_SOCKET}`;

const script = (): string => path.join(process.cwd(), "scripts", "ensure-second-docker.sh");

export interface SecondEngine {
  /** DOCKER_HOST for a server that runs its sandboxes there. */
  host: string;
  docker: Dockerode;
}

/**
 * A second Docker engine on this machine, as a second host would have (its own dockerd, socket, data
 * root, containerd namespace and network namespace; no bridge, no iptables rules), with gVisor registered as on the main
 * engine and `images` copied from it. Started by the first caller, found running by the others; the
 * integration suite's global teardown (test/global-second-engine.ts) stops it at the end of a run that
 * started it. Its data root stays, so that the next run finds the images without copying them again.
 */
export async function secondEngine(images: string[]): Promise<SecondEngine> {
  // The main engine's bridge must outlive it: a dockerd started without a bridge in the host's
  // network namespace deletes docker0, and every networked container of the main engine then fails.
  const bridgeBefore = existsSync("/sys/class/net/docker0");
  // The first copy of the runtime image (some 3 GB) takes a few minutes; later runs find it.
  await execFileAsync("bash", [script(), ...images], { timeout: 900_000 }).catch((error: unknown) => {
    const { stderr } = error as { stderr?: string };
    throw new Error(`the second Docker engine did not come up: ${stderr ?? (error as Error).message}`);
  });
  if (bridgeBefore && !existsSync("/sys/class/net/docker0"))
    throw new Error("starting the second Docker engine removed the main engine's docker0 bridge");
  return { host: SECOND_ENGINE_HOST, docker: new Dockerode({ socketPath: SECOND_ENGINE_SOCKET }) };
}

/** Whether the second engine answers now. */
export async function secondEngineAnswers(): Promise<boolean> {
  try {
    await new Dockerode({ socketPath: SECOND_ENGINE_SOCKET }).ping();
    return true;
  } catch {
    return false;
  }
}

/** Removes every container of Sandpit's on the second engine (it runs nothing else). */
export async function removeSecondEngineContainers(): Promise<void> {
  const docker = new Dockerode({ socketPath: SECOND_ENGINE_SOCKET });
  for (const info of await docker.listContainers({ all: true, filters: { label: ["dev.sandpit.role"] } }))
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** Removes its containers and stops it; its data root (and the images in it) stays. */
export async function stopSecondEngine(): Promise<void> {
  await execFileAsync("bash", [script(), "--stop"], { timeout: 120_000 });
}
