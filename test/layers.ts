import { execFileSync } from "node:child_process";

/**
 * What under a layer's folder is not sealed: not root's, writable by others than root, or setuid /
 * setgid (symlinks aside, whose modes mean nothing). One path per line; empty when all is sealed.
 */
export function unsealedIn(dir: string): string {
  return execFileSync(
    "find",
    [dir, "(", "!", "-uid", "0", "-o", "!", "-gid", "0", "-o", "-perm", "/6022", ")", "!", "-type", "l"],
    { encoding: "utf8" },
  );
}
