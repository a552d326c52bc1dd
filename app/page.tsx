import type { ReactNode } from "react";
import { SystemStatus } from "@/components/system/system-status";
import { LANGUAGES } from "@/lib/languages";

export default function HomePage(): ReactNode {
  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
      <section aria-labelledby="hero-title" className="space-y-6">
        <div className="space-y-3">
          <h1 id="hero-title" className="text-3xl font-semibold tracking-tight sm:text-4xl">
            Code sandboxes you host yourself.
          </h1>
          <p className="max-w-2xl text-stone-600 dark:text-stone-400">
            Describe an environment — a language, pip, npm and Go packages, setup commands — and Sandpit prepares it once, stores
            it, and starts every later session from it in moments. Edit and run code in the browser, open shells, share a session
            by link, or drive it all from a program through the API.
          </p>
        </div>
        <div>
          <h2 className="mb-2 text-xs font-semibold tracking-wide text-stone-500 uppercase dark:text-stone-400">Languages</h2>
          <ul className="flex flex-wrap gap-2">
            {LANGUAGES.map((language) => (
              <li
                key={language.id}
                className="rounded-full border border-stone-300 bg-white px-3 py-1 text-sm dark:border-stone-700 dark:bg-stone-900"
              >
                {language.label}
              </li>
            ))}
          </ul>
        </div>
        <dl className="grid gap-4 sm:grid-cols-3">
          {[
            ["Setup once", "Installed packages are saved as one archive, keyed by the setup, and reused by every session."],
            ["Isolated", "Each session runs in its own container: no network, no privileges, hard limits."],
            ["Persistent", "Workspaces survive idle time, restarts and lost containers."],
          ].map(([title, text]) => (
            <div key={title} className="rounded-lg border border-stone-200 p-4 dark:border-stone-800">
              <dt className="font-medium">{title}</dt>
              <dd className="mt-1 text-sm text-stone-600 dark:text-stone-400">{text}</dd>
            </div>
          ))}
        </dl>
      </section>
      <aside>
        <SystemStatus />
      </aside>
    </div>
  );
}
