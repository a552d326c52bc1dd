"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** The header and footer around every page but embeds, which live inside other sites' pages. */
export function Chrome({ header, footer, children }: { header: ReactNode; footer: ReactNode; children: ReactNode }): ReactNode {
  const path = usePathname();
  if (path.startsWith("/embed/")) return <main className="min-h-screen">{children}</main>;
  // A session is an IDE: it takes the whole window below the header (no footer, no page margins).
  if (path.startsWith("/s/"))
    return (
      <>
        {header}
        <main className="flex min-h-0 w-full flex-1 flex-col px-2 py-2 sm:px-3">{children}</main>
      </>
    );
  return (
    <>
      {header}
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">{children}</main>
      {footer}
    </>
  );
}
