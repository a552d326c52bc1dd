import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { createTRPCRouter, publicProcedure, type Context } from "./trpc";

const router = createTRPCRouter({
  echo: publicProcedure.input(z.object({ count: z.number().int().min(1) })).mutation(({ input }) => input.count),
});

describe("tRPC errors", () => {
  it("give a bad input's problems as details, in the same lines as REST and MCP", async () => {
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      router,
      createContext: () => ({}) as Context,
      req: new Request("http://localhost/api/trpc/echo", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { count: 0 } }),
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { json: { data: { details: string[] | null } } } };
    expect(body.error.json.data.details).toEqual(["count: Too small: expected number to be >=1"]);
  });
});
