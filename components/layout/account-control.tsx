"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { useTRPC } from "@/lib/trpc/client";

const LINK =
  "rounded-md border border-stone-300 px-2.5 py-1.5 text-sm text-stone-700 hover:bg-stone-100 dark:border-stone-700 dark:text-stone-300 dark:hover:bg-stone-800";

/**
 * "Sign in with …", or the signed-in account and "Sign out": only where the server has an OpenID
 * Connect provider configured. Plain navigations, not fetches: the sign-in leaves for the provider,
 * and both change the owner cookie every later request carries.
 */
export function AccountControl(): ReactNode {
  const trpc = useTRPC();
  const pathname = usePathname();
  const { data } = useQuery(trpc.account.current.queryOptions());
  if (!data?.provider) return null;
  if (!data.account)
    return (
      <a href={`/auth/sign-in?return_to=${encodeURIComponent(pathname)}`} className={LINK} data-testid="sign-in">
        Sign in with {data.provider}
      </a>
    );
  return (
    <form method="post" action="/auth/sign-out" className="flex items-center gap-2">
      <span className="max-w-40 truncate text-stone-600 dark:text-stone-400" data-testid="account-name" title={data.account.name}>
        {data.account.name}
      </span>
      <button type="submit" className={LINK}>
        Sign out
      </button>
    </form>
  );
}
