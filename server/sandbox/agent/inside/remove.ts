// Removing what the sandbox user made (run folders, display folders, shell state), whatever the
// user did to it meanwhile. Never throws: these run in process event handlers, where an exception
// would end the agent, and with it the sandbox.
import * as fs from "node:fs";
import * as path from "node:path";
import { asUser } from "./context.ts";

/** Folders made writable again at most, so a deep or wide tree cannot keep the agent busy. */
const REPAIR_MAX_FOLDERS = 1_000;

/**
 * Removes `target` as the sandbox user. A folder the user made unwritable (chmod 500) is made
 * writable again (through no link: only real folders are touched) and removal tried once more;
 * what still cannot be removed stays, in /tmp, which goes with the sandbox.
 */
export function removeTree(target: string): boolean {
  return asUser(() => {
    try {
      fs.rmSync(target, { recursive: true, force: true });
      return true;
    } catch {
      // fall through: repair the folders' modes, then try once more
    }
    try {
      let left = REPAIR_MAX_FOLDERS;
      const repair = (dir: string): void => {
        if (left-- <= 0) return;
        const stat = fs.lstatSync(dir);
        if (!stat.isDirectory()) return;
        fs.chmodSync(dir, 0o700);
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
          if (entry.isDirectory()) repair(path.join(dir, entry.name));
      };
      repair(target);
      fs.rmSync(target, { recursive: true, force: true });
      return true;
    } catch {
      return false;
    }
  });
}
