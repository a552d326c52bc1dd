"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";
import { ConfirmRevoke, CopyButton, LinkQrCode } from "./share-link";

/** This browser's resume link: the way to the same sessions on another device (a second computer, home). */
export function ResumeLinkPanel(): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.resume.current.queryOptions());
  const account = useQuery(trpc.account.current.queryOptions()).data?.account;
  const refresh = (): void => void queryClient.invalidateQueries({ queryKey: trpc.resume.current.queryKey() });
  const create = useMutation(trpc.resume.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.resume.revoke.mutationOptions({ onSuccess: refresh }));
  const [showQr, setShowQr] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const token = current.data?.token;
  const url = token ? `${origin}/resume/${token}` : null;

  return (
    <section aria-labelledby="resume-title" className="space-y-2" data-testid="resume-panel">
      <h3 id="resume-title" className="text-xs font-semibold tracking-wide text-stone-600 uppercase dark:text-stone-400">
        Continue on another device
      </h3>
      <p className="text-xs text-stone-600 dark:text-stone-400">
        {account
          ? `Your sessions belong to your account (${account.name}): signing in on another browser finds them. A resume link makes another browser their owner without signing in.`
          : "Your sessions belong to this browser. A resume link makes another browser (a second computer, home) their owner too."}{" "}
        Keep it private, like a password.
      </p>
      {current.isError && <p className="text-xs text-red-600">{current.error.message}</p>}
      {url ? (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <input
              ref={input}
              readOnly
              aria-label="Resume link"
              data-testid="resume-link"
              value={url}
              onFocus={(event) => event.target.select()}
              className="min-w-0 flex-1 rounded-md border border-stone-300 bg-stone-50 px-2 py-1.5 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
            />
            <CopyButton text={url} label="Copy resume link" fallback={() => input.current?.select()} />
            <Button onClick={() => setShowQr(!showQr)} aria-expanded={showQr}>
              QR code
            </Button>
            <ConfirmRevoke
              warning="Revoke? Devices that used it stay signed in."
              pending={revoke.isPending}
              onRevoke={() => revoke.mutate()}
            />
          </div>
          {showQr && (
            <div className="inline-block rounded-md bg-white p-1">
              <LinkQrCode url={url} size={160} />
            </div>
          )}
        </>
      ) : (
        current.isSuccess && (
          <Button disabled={create.isPending} onClick={() => create.mutate()}>
            Make a resume link
          </Button>
        )
      )}
    </section>
  );
}
