// Shared constants and types of the agent's modules.
import type { AgentErrorCode, Response } from "./protocol.ts";

export const WORKSPACE = "/workspace";
export const STATE_DIR = "/tmp/.sandpit";
export const BASE_ENV: NodeJS.ProcessEnv = { ...process.env };

export class AgentError extends Error {
  code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type Send = (response: Response) => void;
