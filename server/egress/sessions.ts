import "server-only";
import { and, eq, sql } from "drizzle-orm";
import type { EgressPolicy } from "@/lib/egress";
import type { Database } from "@/server/db/client";
import { sessions } from "@/server/db/schema";
import type { AgentClient } from "@/server/sandbox/agent/client";
import type { SandboxEgress } from "@/server/sandbox/manager";
import type { SessionSecrets } from "./destinations";
import { openSecrets, sealLegacy } from "./secrets";
import type { EgressService } from "./service";

/** Egress tied to sessions' stored policies: the bridge between the database and the proxy. */
export class SessionEgress implements SandboxEgress {
  /** Bumped by every change of a session's stored egress, so an attach that read before it reads again. */
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly db: Database,
    readonly service: EgressService,
    /** Whose key seals the stored secrets. */
    private readonly dataDir: string,
  ) {}

  private async stored(sessionId: string): Promise<{ policy: EgressPolicy; secrets: SessionSecrets }> {
    const [row] = await this.db
      .select({ egress: sessions.egress, secrets: sessions.egressSecrets })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    const { secrets, unreadable, legacy } = openSecrets(this.dataDir, row?.secrets ?? []);
    if (legacy) {
      // Stored before values were sealed: sealed now, unless they changed meanwhile.
      await this.db
        .update(sessions)
        .set({ egressSecrets: sealLegacy(this.dataDir, row?.secrets ?? []) })
        .where(and(eq(sessions.id, sessionId), sql`${sessions.egressSecrets} = ${JSON.stringify(row?.secrets ?? [])}::jsonb`));
    }
    return { policy: row?.egress ?? "none", secrets: { bound: secrets, unreadable } };
  }

  async startEnv(sessionId: string): Promise<Record<string, string>> {
    const { policy } = await this.stored(sessionId);
    return { ...this.service.sandboxEnv(), ...this.service.goEnv(policy) };
  }

  baseEnv(): Record<string, string> {
    return { ...this.service.sandboxEnv(), ...this.service.goEnv("none") };
  }

  async attach(sessionId: string, agent: AgentClient): Promise<void> {
    let version = this.versions.get(sessionId) ?? 0;
    const { policy, secrets } = await this.stored(sessionId);
    this.service.attach(sessionId, agent, policy, secrets);
    // A change stored while this read was under way found nothing attached to apply to.
    while (version !== (this.versions.get(sessionId) ?? 0)) {
      version = this.versions.get(sessionId) ?? 0;
      const latest = await this.stored(sessionId);
      this.service.setPolicy(sessionId, latest.policy, latest.secrets);
    }
  }

  /** A stored policy changed: the running sandbox follows it from its next connection. */
  async changed(sessionId: string): Promise<void> {
    const version = (this.versions.get(sessionId) ?? 0) + 1;
    this.versions.set(sessionId, version);
    const { policy, secrets } = await this.stored(sessionId);
    // A later change's read is as new as this one's, or newer: an older read never overwrites it.
    if (this.versions.get(sessionId) === version) this.service.setPolicy(sessionId, policy, secrets);
  }

  /** The session was deleted: its counters go. */
  forget(sessionId: string): void {
    this.versions.delete(sessionId);
    this.service.forget(sessionId);
  }
}
