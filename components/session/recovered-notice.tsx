"use client";

import { useState, useSyncExternalStore, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { recoveredNotice, recoveredSeenKey, type Recovered } from "./recovered-notice-text";

/** Nothing to follow: what this browser dismissed changes only through this component. */
const unchanging = (): (() => void) => () => undefined;

function readSeen(sessionId: string): string | null {
  try {
    return window.localStorage.getItem(recoveredSeenKey(sessionId));
  } catch {
    return null;
  }
}

/**
 * Tells once, until dismissed in this browser, that the session came back on another server from
 * an earlier snapshot after its server stopped, and from when its files are.
 */
export function RecoveredNotice({
  sessionId,
  recovered,
}: {
  sessionId: string;
  recovered: Recovered | null | undefined;
}): ReactNode {
  // undefined while rendering on the server, which knows no localStorage.
  const stored = useSyncExternalStore(
    unchanging,
    () => readSeen(sessionId),
    () => undefined,
  );
  const [dismissed, setDismissed] = useState<string | null>(null);
  const seen = dismissed ?? stored;
  const text = seen === undefined ? null : recoveredNotice(recovered, seen, (date) => date.toLocaleTimeString());
  if (!text || !recovered) return null;
  const dismiss = (): void => {
    try {
      window.localStorage.setItem(recoveredSeenKey(sessionId), recovered.at);
    } catch {
      // storage refused: dismissed for this page only
    }
    setDismissed(recovered.at);
  };
  return (
    <div
      role="status"
      data-testid="recovered-notice"
      className="flex shrink-0 flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <span className="mr-auto">{text}</span>
      <Button variant="ghost" onClick={dismiss}>
        Dismiss
      </Button>
    </div>
  );
}
