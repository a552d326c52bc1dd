"use client";

import { useMutation } from "@tanstack/react-query";
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
  if (join.isError) return <LinkUnavailable message={join.error.message} />;
  return <p className="text-sm text-stone-500">Preparing your own copy of the class session…</p>;
}
