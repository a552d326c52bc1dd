import type { SessionView } from "@/lib/api/responses";

/** What a session's view says about its last move from a server that stopped. */
export type Recovered = NonNullable<SessionView["recovered"]>;

/** The browser's memory of the last recovery of a session its person has read about. */
export const recoveredSeenKey = (sessionId: string): string => `sandpit:recovered-seen:${sessionId}`;

/**
 * The notice the IDE shows once for a session's last recovery: null when there was none, or when
 * this browser dismissed that one (`seen` is its time). `time` formats a date for the reader.
 */
export function recoveredNotice(
  recovered: Recovered | null | undefined,
  seen: string | null,
  time: (date: Date) => string,
): string | null {
  if (!recovered || recovered.at === seen) return null;
  const moved = "This session moved to another server after its server stopped";
  if (!recovered.snapshot_at) return `${moved}. It had not been saved yet, so its files were lost.`;
  return `${moved}: files are as of ${time(new Date(recovered.snapshot_at))}; work after that was lost.`;
}
