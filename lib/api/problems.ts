import type { z } from "zod";

/**
 * Zod issues as the API reports them, one line per problem: `field.path: message`. `prefix` names
 * where the input sits in a larger one (a session's `setup`). REST, tRPC and MCP all report these.
 */
export function zodProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly string[] = []): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    return path.length > 0 ? `${path.join(".")}: ${issue.message}` : issue.message;
  });
}
