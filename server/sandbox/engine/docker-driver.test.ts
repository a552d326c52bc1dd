import { describe, expect, it } from "vitest";
import { AGENT_RUNTIME_ENV } from "../agent/inside/protocol";
import { AGENT_FILE, AGENT_MOUNT } from "./driver";
import { DockerSandboxDriver } from "./docker-driver";

describe("The Docker driver", () => {
  it("tells the agent its runtime, by the name the agent reads, in the agent's environment alone", () => {
    const gvisor = DockerSandboxDriver.agentCommand(true);
    expect(gvisor).toContain(`${AGENT_RUNTIME_ENV}=gvisor`);
    expect(gvisor.indexOf(`${AGENT_RUNTIME_ENV}=gvisor`)).toBeLessThan(gvisor.indexOf("/usr/local/bin/node"));
    // Given under runc too: a setup's variable of the same name never stands in for it.
    expect(DockerSandboxDriver.agentCommand(false)).toContain(`${AGENT_RUNTIME_ENV}=runc`);
  });

  it("starts the agent by absolute paths, never looked up in PATH (which starts with the session's layer)", () => {
    for (const gvisor of [true, false]) {
      const command = DockerSandboxDriver.agentCommand(gvisor);
      const programs = command.filter((part) => !part.includes("=") && !part.startsWith("-"));
      expect(programs).toEqual(["/usr/bin/env", "/usr/local/bin/node", `${AGENT_MOUNT}/${AGENT_FILE}`]);
    }
  });
});
