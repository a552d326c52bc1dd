/** Errors of the sandbox engine; the API layer maps each to one HTTP status in one place. */
export class SandboxError extends Error {
  constructor(
    message: string,
    readonly code: "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" | "TOO_LARGE" | "UNAVAILABLE" | "INTERNAL",
  ) {
    super(message);
    // A literal name: bundlers rename classes, and errors are told apart by name (see server/errors.ts).
    this.name = "SandboxError";
  }
}

export class PathOutsideWorkspaceError extends SandboxError {
  constructor(message: string) {
    super(message, "BAD_REQUEST");
  }
}

export class FileNotFoundError extends SandboxError {
  constructor(message: string) {
    super(message, "NOT_FOUND");
  }
}

export class ShellNotFoundError extends SandboxError {
  constructor(shell: string) {
    super(`shell ${shell} does not exist`, "NOT_FOUND");
  }
}

export class SandboxUnavailableError extends SandboxError {
  constructor(message: string) {
    super(message, "UNAVAILABLE");
  }
}

export class InvalidRunError extends SandboxError {
  constructor(message: string) {
    super(message, "BAD_REQUEST");
  }
}

export class PayloadTooLargeError extends SandboxError {
  constructor(message: string) {
    super(message, "TOO_LARGE");
  }
}
