/** A file as the editor holds it: what is typed, and what was last read or written. */
export interface HeldFile {
  content: string;
  saved: string;
}

/** How many of its own writes per file the editor remembers, to know them when they come back. */
export const OWN_WRITES_KEPT = 8;

/**
 * What the editor does when a file it holds changed on disk: nothing when the disk holds what the
 * editor last read or wrote itself (its own save coming back, maybe late), load the new content
 * when nothing is typed over it, and ask when both changed.
 */
export function reconcile(held: HeldFile, disk: string, ownWrites: readonly string[]): "ignore" | "reload" | "conflict" {
  if (disk === held.saved || ownWrites.includes(disk)) return "ignore";
  return held.content === held.saved ? "reload" : "conflict";
}
