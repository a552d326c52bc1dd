"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTRPC } from "@/lib/trpc/client";

const LABELS = { docker: "Docker engine", image: "Runtime image", database: "Database", objectStore: "Object store" } as const;

export function SystemStatus(): ReactNode {
  const trpc = useTRPC();
  const health = useQuery({ ...trpc.system.health.queryOptions(), refetchInterval: 15_000 });

  return (
    <section
      aria-labelledby="system-status-title"
      className="rounded-xl border border-stone-200 bg-white p-5 shadow-sm dark:border-stone-800 dark:bg-stone-900"
    >
      <div className="flex items-center justify-between">
        <h2 id="system-status-title" className="text-sm font-semibold">
          This Sandpit
        </h2>
        {health.data && (
          <span
            data-testid="system-status"
            className={
              health.data.status === "ok"
                ? "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300"
                : "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-900/50 dark:text-amber-300"
            }
          >
            {health.data.status === "ok" ? "all systems ready" : "degraded"}
          </span>
        )}
      </div>
      <ul className="mt-4 space-y-3 text-sm">
        {(Object.keys(LABELS) as Array<keyof typeof LABELS>).map((key) => {
          const check = health.data?.checks[key];
          return (
            <li key={key} className="flex min-h-10 items-start gap-3">
              <span
                aria-hidden="true"
                className={`mt-1.5 size-2 shrink-0 rounded-full ${
                  !check
                    ? "animate-pulse bg-stone-300 dark:bg-stone-600"
                    : check.status === "ok"
                      ? "bg-emerald-500"
                      : "bg-red-500"
                }`}
              />
              <div className="min-w-0">
                <div className="font-medium">{LABELS[key]}</div>
                <div className="truncate text-xs text-stone-500 dark:text-stone-400" title={check?.detail}>
                  {health.isError ? "could not reach the server" : (check?.detail ?? "checking…")}
                </div>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
