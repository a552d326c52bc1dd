import { describe, expect, it } from "vitest";
import { AGENT_RUNTIME_ENV } from "../agent/inside/protocol";
import { DockerSandboxDriver } from "./docker-driver";

describe("The Docker driver", () => {
  it("tells an agent under gVisor by the name the agent reads", () => {
    expect(DockerSandboxDriver.GVISOR_ENV).toBe(`${AGENT_RUNTIME_ENV}=gvisor`);
  });
});
