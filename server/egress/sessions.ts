import "server-only";
import { eq } from "drizzle-orm";
import type { EgressPolicy } from "@/lib/egress";
import type { Database } from "@/server/db/client";
import { sessions, type EgressSecretRecord } from "@/server/db/schema";
import type { AgentClient } from "@/server/sandbox/agent/client";
import type { SandboxEgress } from "@/server/sandbox/manager";
import type { EgressService } from "./service";

/** Egress tied to sessions' stored policies: the bridge between the database and the proxy. */
export class SessionEgress implements SandboxEgress {
  constructor(
    private readonly db: Database,
    readonly service: EgressService,
  ) {}

  private async stored(sessionId: string): Promise<{ policy: EgressPolicy; secrets: EgressSecretRecord[] }> {
    const [row] = await this.db
      .select({ egress: sessions.egress, secrets: sessions.egressSecrets })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    return { policy: row?.egress ?? "none", secrets: row?.secrets ?? [] };
  }

  async startEnv(sessionId: string): Promise<Record<string, string>> {
    const { policy } = await this.stored(sessionId);
    return { ...this.service.sandboxEnv(), ...this.service.goEnv(policy) };
  }

  async attach(sessionId: string, agent: AgentClient): Promise<void> {
    const { policy, secrets } = await this.stored(sessionId);
    this.service.attach(sessionId, agent, policy, secrets);
  }

  /** A stored policy changed: the running sandbox follows it from its next connection. */
  async changed(sessionId: string): Promise<void> {
    const { policy, secrets } = await this.stored(sessionId);
    this.service.setPolicy(sessionId, policy, secrets);
  }
}
