import Link from "next/link";
import type { ReactNode } from "react";
import { AccountControl } from "./account-control";
import { ThemeToggle } from "./theme-toggle";

export function SiteHeader(): ReactNode {
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur dark:border-stone-800 dark:bg-stone-900/80">
      <div className="mx-auto flex h-14 max-w-6xl items-center justify-between px-4">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden="true" className="grid size-7 place-items-center rounded-md bg-sand-400 text-stone-900">
            ▚
          </span>
          <span>Sandpit</span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-3 text-sm">
          <Link
            href="/"
            className="rounded px-2 py-1 text-stone-600 hover:text-stone-900 dark:text-stone-400 dark:hover:text-stone-100"
          >
            New session
          </Link>
          <Link
            href="/api-docs"
            className="rounded px-2 py-1 text-stone-600 hover:text-stone-900 dark:text-stone-400 dark:hover:text-stone-100"
          >
            API
          </Link>
          <ThemeToggle />
          <AccountControl />
        </nav>
      </div>
    </header>
  );
}
