import "server-only";
import { eq } from "drizzle-orm";
import type { Database } from "@/server/db/client";
import { sessions } from "@/server/db/schema";

/**
 * Makes `to` the owner of every session the browser identity `from` owns: its own sessions and its
 * class copies (a copy's owner is its student). Only a browser's own identity (`browser:…`) gives
 * its sessions away; an account's (`oidc:…`) stay with the account, whatever browser asks.
 */
export async function moveBrowserSessions(db: Database, from: string, to: string): Promise<number> {
  if (!from.startsWith("browser:") || from === to) return 0;
  const moved = await db.update(sessions).set({ owner: to }).where(eq(sessions.owner, from)).returning({ id: sessions.id });
  return moved.length;
}
