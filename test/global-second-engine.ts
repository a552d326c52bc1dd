import { removeSecondEngineContainers, secondEngineAnswers, stopSecondEngine } from "./second-engine";

// A global setup of the integration project (vitest.config.ts): once per run, in the main process.

let answeredAtStart = false;

/** Notes whether the second Docker engine was already up (someone keeps it running between runs). */
export async function setup(): Promise<void> {
  answeredAtStart = await secondEngineAnswers();
}

/**
 * The second engine (test/second-engine.ts), which the multi-node tests start when they need it:
 * its Sandpit containers are removed whatever happened, and it is stopped when this run started it.
 * Its data root and the images in it stay for the next run.
 */
export async function teardown(): Promise<void> {
  if (!(await secondEngineAnswers())) return;
  if (answeredAtStart) await removeSecondEngineContainers();
  else await stopSecondEngine();
}
