import { getConfig } from "@/server/config";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { buildRuntimeImage } from "./builder";

// `npm run image`: builds the runtime image when its recipe changed; prints progress as it goes.
const config = getConfig();
const started = Date.now();
try {
  const { ref, built } = await buildRuntimeImage(createDockerClient(config.docker), {
    image: config.runtimeImage,
    npmRegistry: config.mirrors.npmRegistry,
    caBundle: config.extraCaBundle,
    log: (line) => console.log(`[image] ${line}`),
  });
  if (built) console.log(`[image] ${ref} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  console.error(`[image] failed: ${(error as Error).message}`);
  process.exit(1);
}
