/** Errors of the session service; server/errors.ts maps each to one status. */
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

/** A caller without an identity asked for something that must belong to someone (a fork through a link). */
export class IdentityRequiredError extends Error {
  constructor() {
    super("this needs an identity: open the link in a browser (it gets an owner cookie) or send an API key");
    this.name = "IdentityRequiredError";
  }
}

/** Too many requests of one kind from one client or for one link; `retryAfter` is in seconds. */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(`${message}; retry in ${retryAfter} s`);
    this.name = "RateLimitedError";
  }
}

/** A caller who may see a session but not do this with it; the message says who can allow it. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** A student's class copy after its deadline: read-only for them (a 403, as ForbiddenError). */
export class DeadlinePassedError extends ForbiddenError {
  constructor(readonly deadline: Date) {
    super(
      `the deadline of this class was ${deadline.toISOString()}: your work is kept, read-only; your teacher can give you more time`,
    );
    this.name = "ForbiddenError";
  }
}
