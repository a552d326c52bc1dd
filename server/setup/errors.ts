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

export class SetupBusyError extends Error {
  constructor(
    readonly sessionId: string,
    readonly status: string,
  ) {
    super(`the setup of ${sessionId} is ${status}; wait until it is completed or failed`);
    this.name = "SetupBusyError";
  }
}
