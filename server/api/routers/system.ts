import "server-only";
import { checkHealth } from "@/server/health/health";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const systemRouter = createTRPCRouter({
  health: publicProcedure.query(({ ctx }) => checkHealth(ctx)),
});
