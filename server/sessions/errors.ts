/** Errors of the session service; server/api/errors.ts maps each to one status. */
export class SessionNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`session ${id} does not exist`);
    this.name = "SessionNotFoundError";
  }
}

export class SessionExistsError extends Error {
  constructor(readonly id: string) {
    super(`session ${id} already exists`);
    this.name = "SessionExistsError";
  }
}

/** A request that validated but cannot be carried out as asked. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidRequestError";
  }
}
