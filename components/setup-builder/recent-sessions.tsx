"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import { useTRPC } from "@/lib/trpc/client";

export function RecentSessions(): ReactNode {
  const trpc = useTRPC();
  const sessions = useQuery({ ...trpc.sessions.list.queryOptions({ limit: 12 }), refetchInterval: 5_000 });
  return (
    <section aria-labelledby="recent-title" className="space-y-3">
      <h2 id="recent-title" className="text-sm font-semibold">
        Recent sessions
      </h2>
      {sessions.isPending && <p className="text-sm text-stone-600 dark:text-stone-400">Loading…</p>}
      {sessions.isError && <p className="text-sm text-red-600">Could not load sessions: {sessions.error.message}</p>}
      {sessions.data?.length === 0 && (
        <p className="text-sm text-stone-500 dark:text-stone-400">No sessions yet. Create one above.</p>
      )}
      <ul className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
        {sessions.data?.map((session) => (
          <li key={session.id}>
            <Link
              href={`/s/${session.id}`}
              className="flex items-center justify-between gap-2 rounded-lg border border-stone-200 bg-white px-3 py-2 text-sm hover:border-sand-400 dark:border-stone-800 dark:bg-stone-900"
            >
              <span className="min-w-0">
                {session.name ? (
                  <span className="block truncate font-semibold">{session.name}</span>
                ) : (
                  <span className="block truncate font-mono">{session.id}</span>
                )}
                <span className="text-xs text-stone-500 dark:text-stone-400">{session.language}</span>
              </span>
              <StatusBadge status={session.setup_status} />
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
