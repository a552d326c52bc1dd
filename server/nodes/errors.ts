/** A session whose sandbox another live node holds: the request belongs on that node. */
export class SessionElsewhereError extends Error {
  constructor(
    readonly sessionId: string,
    readonly node: string,
    readonly address: string | null,
  ) {
    super(
      `session ${sessionId} runs on node ${node}${address ? ` (${address})` : ""}; send the request there, or retry once it lets the session go`,
    );
    // A literal name: bundlers rename classes, and errors are told apart by name (see server/errors.ts).
    this.name = "SessionElsewhereError";
  }
}

/** Whether `error` is a SessionElsewhereError, told by its name (a second copy of the class in a bundle still counts). */
export function isSessionElsewhere(error: unknown): error is SessionElsewhereError {
  return error instanceof Error && error.name === "SessionElsewhereError";
}
