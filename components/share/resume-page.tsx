"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";
import { LinkUnavailable } from "./shared-view";

/**
 * Opening a resume link: nothing changes until the visitor confirms, so a link sent by someone else
 * cannot switch a browser's owner (or move its sessions) by being clicked.
 */
export function ResumePage({ token }: { token: string }): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const [bring, setBring] = useState(false);
  const use = useMutation(trpc.resume.use.mutationOptions({ onSuccess: () => router.push("/?resumed=1") }));
  if (use.isError) return <LinkUnavailable message={use.error.message} />;
  return (
    <div className="mx-auto max-w-lg space-y-4 rounded-xl border border-stone-200 bg-white p-8 dark:border-stone-800 dark:bg-stone-900">
      <h1 className="text-xl font-semibold">Continue your sessions on this device</h1>
      <p className="text-sm text-stone-600 dark:text-stone-400">
        This link makes this browser the owner of the sessions of whoever made it. Use only a link you made yourself: its maker
        sees everything you do here afterwards.
      </p>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" checked={bring} onChange={(event) => setBring(event.target.checked)} className="mt-1" />
        <span>Also bring the sessions this browser has now (they move to the same owner).</span>
      </label>
      <div className="flex gap-2">
        <Button variant="primary" disabled={use.isPending} onClick={() => use.mutate({ token, bring_sessions: bring })}>
          Continue on this device
        </Button>
        <Link href="/" className="rounded-md px-3 py-1.5 text-sm text-stone-600 hover:bg-stone-100 dark:text-stone-300">
          Cancel
        </Link>
      </div>
    </div>
  );
}
