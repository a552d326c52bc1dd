import "server-only";
import type { Limits } from "@/server/config/index";

const MiB = 1024 * 1024;

/**
 * The engine-enforced bounds every container Sandpit starts shares (sandboxes, setups and helpers):
 * memory without swap, pids, CPU, open files and file size.
 */
export function containerBounds(limits: Limits): {
  Memory: number;
  MemorySwap: number;
  PidsLimit: number;
  NanoCpus: number;
  Ulimits: Array<{ Name: string; Soft: number; Hard: number }>;
} {
  return {
    Memory: limits.memoryMb * MiB,
    MemorySwap: limits.memoryMb * MiB,
    PidsLimit: limits.pids,
    NanoCpus: Math.round(limits.cpus * 1e9),
    Ulimits: [
      { Name: "nofile", Soft: limits.nofile, Hard: limits.nofile },
      { Name: "fsize", Soft: limits.fsizeMb * MiB, Hard: limits.fsizeMb * MiB },
    ],
  };
}
