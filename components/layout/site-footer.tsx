import type { ReactNode } from "react";

export function SiteFooter(): ReactNode {
  return (
    <footer className="border-t border-stone-200 dark:border-stone-800">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-4 text-xs text-stone-500 dark:text-stone-400">
        <span>Sandpit — self-hosted code sandboxes</span>
        <span data-testid="version">v{process.env.NEXT_PUBLIC_SANDPIT_VERSION}</span>
      </div>
    </footer>
  );
}
