/** A setup spec that does not validate; `problems` name each field and what to fix. */
export class SetupSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid setup: ${problems.join("; ")}`);
    this.name = "SetupSpecError";
  }
}

export class SetupNotFoundError extends Error {
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} has no setup`);
    this.name = "SetupNotFoundError";
  }
}
