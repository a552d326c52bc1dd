"use client";

import type { ReactNode } from "react";
import type { SessionView } from "@/lib/api/responses";

/** The headers the proxy adds for this session (never their values), and which of them it can no longer send. */
export function BoundSecrets({ secrets }: { secrets: SessionView["egress_secrets"] }): ReactNode {
  if (secrets.length === 0) return null;
  return (
    <ul aria-label="Bound secrets" className="flex flex-wrap gap-2 text-xs">
      {secrets.map((secret) => (
        <li
          key={`${secret.host} ${secret.header}`}
          className={secret.unreadable ? "text-red-700 dark:text-red-300" : "font-mono text-stone-500 dark:text-stone-400"}
        >
          <span className="font-mono">
            {secret.header} → {secret.host}
          </span>
          {secret.problem && <span role="alert">: {secret.problem}</span>}
        </li>
      ))}
    </ul>
  );
}
