import "server-only";
import { z } from "zod";
import { PACKAGE_TYPES_LIMITS } from "@/lib/limits";
import type { SandboxManager } from "./manager";

/** One declaration file (or the part of a package.json module resolution reads), by its path under node_modules. */
export interface PackageTypeFile {
  path: string;
  text: string;
}

export interface PackageTypes {
  files: PackageTypeFile[];
  /** More declarations were there than the limits let through. */
  truncated: boolean;
  /** Declarations left out because they were links, or too big to be one file. */
  skipped: number;
  limits: typeof PACKAGE_TYPES_LIMITS;
}

/** A path under node_modules: package folder names and file names, no `.` or `..`, ending as a declaration or package.json. */
const TYPE_PATH =
  /^(?:@[A-Za-z0-9._~-]+\/)?[A-Za-z0-9._~-]+\/(?:[A-Za-z0-9._~@+-]+\/){0,16}(?:[A-Za-z0-9._~@+-]+\.d\.[mc]?ts|package\.json)$/;

const typeFile = z.object({
  path: z
    .string()
    .max(1024)
    .regex(TYPE_PATH)
    .refine((value) => !value.split("/").some((part) => part === "." || part === "..")),
  text: z.string(),
});

/**
 * The type declarations of the npm packages in the session's layer, for the editor: read by the
 * sandbox's agent as the sandbox user (links are not followed). The agent is held to the limits
 * here too: what a hostile one sends past them, or in another shape, is dropped.
 */
export async function packageTypes(manager: SandboxManager, sessionId: string, first: string[]): Promise<PackageTypes> {
  const { files: maxFiles, bytes: maxBytes } = PACKAGE_TYPES_LIMITS;
  const files: PackageTypeFile[] = [];
  let bytes = 0;
  let refused = false;
  const result = await manager.use(sessionId, ({ agent }) =>
    agent.request(
      "layer.types",
      { maxFiles, maxBytes, first },
      {
        timeoutMs: 60_000,
        onOutput: (fd, data) => {
          if (fd !== 1 || refused) return;
          let parsed: PackageTypeFile;
          try {
            parsed = typeFile.parse(JSON.parse(data.toString("utf8")));
          } catch {
            return;
          }
          const size = Buffer.byteLength(parsed.text);
          if (files.length >= maxFiles || bytes + size > maxBytes) {
            refused = true;
            return;
          }
          files.push(parsed);
          bytes += size;
        },
      },
    ),
  );
  return { files, truncated: result.truncated || refused, skipped: result.skipped, limits: PACKAGE_TYPES_LIMITS };
}
