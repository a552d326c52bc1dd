import "server-only";
import type { Logger } from "pino";
import type { SandboxDriver, SandboxSpec } from "../engine/driver";
import { AgentClient } from "./client";

/**
 * How long a new container's agent may take to answer its hello, for sandboxes and setups alike
 * (a setup's bigger limits do not slow its agent down).
 */
export const AGENT_START_TIMEOUT_MS = 20_000;
/** How long an agent that survived a restart may take to answer: it is already up, or gone. */
export const AGENT_ADOPT_TIMEOUT_MS = 2_000;

/** A container whose agent answered with the protocol version this server speaks. */
export interface OpenSandbox {
  containerId: string;
  agent: AgentClient;
}

/**
 * Starts a container, attaches to its agent and checks its hello (protocol version included): the
 * one way the sandbox manager and the setup runner bring a container up. The container is removed
 * when its agent does not answer as it should.
 */
export async function openSandbox(driver: SandboxDriver, spec: SandboxSpec, log?: Logger): Promise<OpenSandbox> {
  const started = Date.now();
  const role = spec.role ?? "sandbox";
  log?.debug({ sessionId: spec.sessionId, role }, "starting container");
  const { containerId, channel } = await driver.start(spec);
  const agent = new AgentClient(channel);
  try {
    await agent.hello(AGENT_START_TIMEOUT_MS);
  } catch (error) {
    agent.close();
    await driver.remove(containerId).catch(() => undefined);
    log?.warn({ sessionId: spec.sessionId, role, containerId, err: error }, "the container's agent did not answer; removed it");
    throw error;
  }
  log?.debug({ sessionId: spec.sessionId, role, containerId, ms: Date.now() - started }, "container's agent answered");
  return { containerId, agent };
}

/** Re-attaches to the agent of a running container (after a server restart); its earlier runs end. */
export async function adoptSandbox(driver: SandboxDriver, containerId: string): Promise<AgentClient> {
  const agent = new AgentClient(await driver.attach(containerId));
  try {
    await agent.hello(AGENT_ADOPT_TIMEOUT_MS);
    return agent;
  } catch (error) {
    agent.close();
    throw error;
  }
}
