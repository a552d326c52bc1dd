import type { z, ZodError } from "zod";
import { zodProblems } from "@/lib/api/problems";

/** A request body or parameter that does not validate; `problems` say what to fix, field by field. */
export class InvalidInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "InvalidInputError";
  }

  static from(error: ZodError): InvalidInputError {
    return new InvalidInputError(zodProblems(error.issues));
  }
}

/** Parses input with a zod schema; failures become an InvalidInputError naming each field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw InvalidInputError.from(parsed.error);
  return parsed.data;
}
