import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import type { PtyHandle, SandboxContainer, SandboxDriver, SandboxSpec, StartedSandbox } from "../engine/driver";
import { AGENT_PROTOCOL_VERSION, type ServerMessage } from "./inside/protocol";
import { openSandbox } from "./open";

/** A driver whose containers' agents answer hello with `version`; it records what was removed. */
class FakeDriver implements SandboxDriver {
  readonly name = "fake";
  readonly started: SandboxSpec[] = [];
  readonly removed: string[] = [];

  constructor(private readonly version: number) {}

  start(spec: SandboxSpec): Promise<StartedSandbox> {
    this.started.push(spec);
    const input = new PassThrough();
    const output = new PassThrough();
    output.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        const request = JSON.parse(line) as ServerMessage;
        if (request.type === "request" && request.op === "hello") {
          const result = { version: this.version, pid: 1, uid: 0 };
          input.write(`${JSON.stringify({ id: request.id, type: "result", result })}\n`);
        }
      }
    });
    const containerId = `c${this.started.length}`;
    return Promise.resolve({ containerId, channel: { input, output, close: () => input.destroy() } });
  }

  attach(): Promise<never> {
    return Promise.reject(new Error("not used"));
  }
  takeForkWorkspace(): Promise<never> {
    return Promise.reject(new Error("not used"));
  }
  writesThrough(): Promise<boolean> {
    return Promise.resolve(false);
  }
  list(): Promise<SandboxContainer[]> {
    return Promise.resolve([]);
  }
  isRunning(): Promise<boolean> {
    return Promise.resolve(false);
  }
  remove(containerId: string): Promise<void> {
    this.removed.push(containerId);
    return Promise.resolve();
  }
  openPty(): Promise<PtyHandle> {
    return Promise.reject(new Error("not used"));
  }
}

const spec = (role: "sandbox" | "setup"): SandboxSpec => ({
  sessionId: "s1",
  role,
  image: "sandpit-runtime:test",
  workspaceDir: "/nonexistent/workspace",
  agentDir: "/nonexistent/agent",
  limits: loadConfig({}).limits,
  network: role === "setup",
});

describe("openSandbox", () => {
  it.each(["sandbox", "setup"] as const)("opens a %s container whose agent speaks this protocol", async (role) => {
    const driver = new FakeDriver(AGENT_PROTOCOL_VERSION);
    const { containerId, agent } = await openSandbox(driver, spec(role));
    expect(containerId).toBe("c1");
    expect(agent.isOpen).toBe(true);
    expect(driver.removed).toEqual([]);
    agent.close();
  });

  it.each(["sandbox", "setup"] as const)(
    "refuses a %s container whose agent speaks another version, and removes it",
    async (role) => {
      const driver = new FakeDriver(AGENT_PROTOCOL_VERSION + 1);
      await expect(openSandbox(driver, spec(role))).rejects.toThrow(
        `the sandbox agent speaks version ${AGENT_PROTOCOL_VERSION + 1}, expected ${AGENT_PROTOCOL_VERSION}`,
      );
      expect(driver.removed).toEqual(["c1"]);
    },
  );
});
