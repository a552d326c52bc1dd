import pino from "pino";
import { runtimeImageRef } from "@/images/recipe";
import { loadConfig } from "@/server/config";
import { createDockerClient } from "@/server/sandbox/engine/docker-client";
import { RuntimeSelector } from "@/server/sandbox/engine/runtime";

// Prints the runtime sandboxes run under with this configuration (runsc, runc, …), as the server picks it.
const config = loadConfig();
const choice = await new RuntimeSelector({
  docker: createDockerClient(config.docker),
  image: runtimeImageRef(config.runtimeImage),
  setting: config.docker.runtime,
  limits: config.limits,
  log: pino({ level: "silent" }),
}).choose();
console.log(choice.name);
