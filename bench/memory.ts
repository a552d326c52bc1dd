import { existsSync, readdirSync, readFileSync } from "node:fs";

const MIB = 1_048_576;

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

/** A process and its descendants. */
export function processTree(pid: number): number[] {
  const children = readOr(`/proc/${pid}/task/${pid}/children`, "").trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children.flatMap(processTree)];
}

/** Resident memory (VmRSS) of a process and its descendants, in MiB. */
export function residentMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    const line = readOr(`/proc/${p}/status`, "")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    kib += Number(line?.replace(/\D+/g, "") ?? 0);
  }
  return kib / 1024;
}

/** Proportional set size of one process (its share of pages it shares with others), in MiB. */
export function pssMiB(pid: number): number {
  const line = readOr(`/proc/${pid}/smaps_rollup`, "")
    .split("\n")
    .find((l) => l.startsWith("Pss:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024;
}

/** The memory cgroup of a process: its folder under /sys/fs/cgroup (v1 or v2). */
export function memoryCgroup(pid: number): string {
  const lines = readOr(`/proc/${pid}/cgroup`, "").trim().split("\n");
  const v1 = lines.find((l) => l.split(":")[1]?.split(",").includes("memory"));
  if (v1) return `/sys/fs/cgroup/memory${v1.split(":")[2] ?? ""}`;
  const v2 = lines.find((l) => l.startsWith("0::"));
  if (v2) return `/sys/fs/cgroup${v2.slice(3)}`;
  throw new Error(`process ${pid} has no memory cgroup`);
}

/** What the kernel charges a cgroup (memory.current on v2, memory.usage_in_bytes on v1), in MiB. */
export function cgroupMiB(dir: string): number {
  const file = existsSync(`${dir}/memory.current`) ? `${dir}/memory.current` : `${dir}/memory.usage_in_bytes`;
  return Number(readFileSync(file, "utf8").trim()) / MIB;
}

/**
 * gVisor's host processes of one container (runsc's sandbox, gofer and their stubs) that sit outside
 * its memory cgroup: what they hold is on the host too, but the cgroup does not show it.
 */
export function runscOutside(containerId: string, cgroup: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = readOr(`/proc/${name}/cmdline`, "").split("\0");
    if (!cmdline[0]?.includes("runsc") || !cmdline.some((arg) => arg.includes(containerId))) continue;
    for (const pid of processTree(Number(name))) {
      const inside = readOr(`/proc/${pid}/cgroup`, "").length > 0 && memoryCgroup(pid) === cgroup;
      if (!inside && !found.includes(pid)) found.push(pid);
    }
  }
  return found;
}

/** Reads `measure` once a second until two readings agree within 1 MiB (at most `limit` readings). */
export async function settled(measure: () => number | Promise<number>, limit = 20): Promise<number> {
  let last = await measure();
  for (let i = 1; i < limit; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const next = await measure();
    if (Math.abs(next - last) < 1) return next;
    last = next;
  }
  return last;
}
