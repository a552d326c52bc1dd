import type { ReactNode } from "react";
import { RecentSessions } from "@/components/setup-builder/recent-sessions";
import { SetupBuilder } from "@/components/setup-builder/setup-builder";
import { SystemStatus } from "@/components/system/system-status";

export default function HomePage(): ReactNode {
  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
      <div className="min-w-0 space-y-8">
        <section aria-labelledby="hero-title" className="space-y-2">
          <h1 id="hero-title" className="text-3xl font-semibold tracking-tight sm:text-4xl">
            Code sandboxes you host yourself.
          </h1>
          <p className="max-w-2xl text-stone-600 dark:text-stone-400">
            Describe an environment and Sandpit prepares it once, stores it, and starts every later session from it in moments.
            Edit and run code in the browser, open shells, share a session by link, or drive it all from a program through the
            API.
          </p>
        </section>
        <SetupBuilder />
        <RecentSessions />
      </div>
      <aside className="space-y-4">
        <SystemStatus />
        <dl className="space-y-3 text-sm">
          {[
            ["Setup once", "Installed packages are saved as one archive, keyed by the setup, and reused by every session."],
            ["Isolated", "Each session runs in its own container: no network, no privileges, hard limits."],
            ["Persistent", "Workspaces survive idle time, restarts and lost containers."],
          ].map(([title, text]) => (
            <div key={title} className="rounded-lg border border-stone-200 p-3 dark:border-stone-800">
              <dt className="font-medium">{title}</dt>
              <dd className="mt-1 text-stone-600 dark:text-stone-400">{text}</dd>
            </div>
          ))}
        </dl>
      </aside>
    </div>
  );
}
