import { describe, expect, it } from "vitest";
import { AGENT_RUNTIME_ENV } from "../agent/inside/protocol";
import { DockerSandboxDriver } from "./docker-driver";

describe("The Docker driver", () => {
  it("tells an agent under gVisor, by the name the agent reads, in the agent's environment alone", () => {
    const gvisor = DockerSandboxDriver.agentCommand(true);
    expect(gvisor).toContain(`${AGENT_RUNTIME_ENV}=gvisor`);
    expect(gvisor.indexOf(`${AGENT_RUNTIME_ENV}=gvisor`)).toBeLessThan(gvisor.indexOf("node"));
    expect(gvisor[0]).toBe("env");
    expect(DockerSandboxDriver.agentCommand(false).join(" ")).not.toContain(AGENT_RUNTIME_ENV);
  });
});
