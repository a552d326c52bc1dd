import { afterAll, expect } from "vitest";
import { leftovers } from "./cleanup";
import { testDocker } from "./docker";

// Runs after each integration file's own clean-up: what its fixtures made (data folders, the
// containers mounting them, workspace mounts and loop devices) must all be gone.
afterAll(async () => {
  expect(await leftovers(testDocker().docker), "what this file's fixtures left behind").toEqual([]);
});
