import "server-only";
import { accountRouter } from "./routers/account";
import { checksRouter } from "./routers/checks";
import { classroomRouter } from "./routers/classroom";
import { filesRouter } from "./routers/files";
import { previewsRouter } from "./routers/previews";
import { resumeRouter } from "./routers/resume";
import { runsRouter } from "./routers/runs";
import { sessionsRouter } from "./routers/sessions";
import { sharesRouter } from "./routers/shares";
import { shellsRouter } from "./routers/shells";
import { systemRouter } from "./routers/system";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  system: systemRouter,
  sessions: sessionsRouter,
  runs: runsRouter,
  shells: shellsRouter,
  files: filesRouter,
  shares: sharesRouter,
  resume: resumeRouter,
  account: accountRouter,
  previews: previewsRouter,
  checks: checksRouter,
  classroom: classroomRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
