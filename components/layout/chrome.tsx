"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/** The header and footer around every page but embeds, which live inside other sites' pages. */
export function Chrome({ header, footer, children }: { header: ReactNode; footer: ReactNode; children: ReactNode }): ReactNode {
  const embed = usePathname().startsWith("/embed/");
  if (embed) return <main className="min-h-screen">{children}</main>;
  return (
    <>
      {header}
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">{children}</main>
      {footer}
    </>
  );
}
