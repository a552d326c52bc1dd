"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, type ReactNode } from "react";
import { useTRPC } from "@/lib/trpc/client";
import { LinkUnavailable } from "./shared-view";

/** A class link: this visitor's own copy of the template, made on the first visit, found again later. */
export function JoinClass({ token }: { token: string }): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const join = useMutation(trpc.shares.joinClass.mutationOptions({ onSuccess: (session) => router.replace(`/s/${session.id}`) }));
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    join.mutate({ token });
  }, [join, token]);
  // A student whose class link was revoked or expired still finds the copy they made with it.
  const ownCopy = useQuery({ ...trpc.shares.ownCopy.queryOptions({ token }), enabled: join.isError });
  if (join.isError) {
    const message = join.error.message.charAt(0).toUpperCase() + join.error.message.slice(1);
    if (ownCopy.isPending) return <p className="text-sm text-stone-500">Looking for your copy…</p>;
    if (!ownCopy.data) return <LinkUnavailable message={message} />;
    return (
      <LinkUnavailable message={message}>
        <p className="text-sm">
          Your own copy is still yours:{" "}
          <Link
            href={`/s/${ownCopy.data.session_id}`}
            className="font-semibold text-sand-700 underline dark:text-sand-300"
            data-testid="own-copy-link"
          >
            open your copy
          </Link>
          .
        </p>
      </LinkUnavailable>
    );
  }
  return <p className="text-sm text-stone-500">Preparing your own copy of the class session…</p>;
}
