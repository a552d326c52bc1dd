import type { z, ZodError } from "zod";

/** A request body or parameter that does not validate; `problems` say what to fix, field by field. */
export class InvalidInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "InvalidInputError";
  }

  static from(error: ZodError): InvalidInputError {
    return new InvalidInputError(
      error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
      ),
    );
  }
}

/** Parses input with a zod schema; failures become an InvalidInputError naming each field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw InvalidInputError.from(parsed.error);
  return parsed.data;
}
