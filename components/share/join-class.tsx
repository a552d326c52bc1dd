"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { API_LIMITS } from "@/lib/limits";
import { useTRPC } from "@/lib/trpc/client";
import { LinkUnavailable } from "./shared-view";

/** The name a student gave last, remembered in this browser so the next class asks with it filled in. */
const NAME_KEY = "sandpit:display-name";

function rememberedName(): string {
  try {
    return window.localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

function remember(name: string): void {
  try {
    window.localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage refused (private mode): the name is simply asked again next time
  }
}

const sentence = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/**
 * A class link: this visitor's own copy of the template. A returning student goes straight to the
 * copy they made; a new one gives their name first, which the teacher sees in the class list.
 */
export function JoinClass({ token }: { token: string }): ReactNode {
  const trpc = useTRPC();
  const router = useRouter();
  const link = useQuery({ ...trpc.shares.resolve.queryOptions({ token }), retry: false });
  // A student whose class link was revoked or expired still finds the copy they made with it.
  const ownCopy = useQuery({ ...trpc.shares.ownCopy.queryOptions({ token }), retry: false });
  const join = useMutation(trpc.shares.joinClass.mutationOptions({ onSuccess: (session) => router.replace(`/s/${session.id}`) }));
  // The form shows only after the link is checked, on the client: the stored name is there by then.
  const [name, setName] = useState(() => (typeof window === "undefined" ? "" : rememberedName()));

  const copyId = ownCopy.data?.session_id;
  const returning = link.isSuccess && copyId !== undefined;
  useEffect(() => {
    if (returning) router.replace(`/s/${copyId}`);
  }, [returning, copyId, router]);

  if (link.isError) {
    const message = sentence(link.error.message);
    if (ownCopy.isPending) return <p className="text-sm text-stone-600 dark:text-stone-400">Looking for your copy…</p>;
    if (!copyId) return <LinkUnavailable message={message} />;
    return (
      <LinkUnavailable message={message}>
        <p className="text-sm">
          Your own copy is still yours:{" "}
          <Link
            href={`/s/${copyId}`}
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
  if (link.isPending || ownCopy.isPending || returning || join.isSuccess)
    return <p className="text-sm text-stone-600 dark:text-stone-400">Preparing your own copy of the class session…</p>;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed) remember(trimmed);
    join.mutate({ token, name: trimmed });
  };
  const template = link.data.session;
  return (
    <form
      onSubmit={submit}
      className="mx-auto max-w-md space-y-4 rounded-xl border border-stone-200 bg-white p-8 dark:border-stone-800 dark:bg-stone-900"
      aria-labelledby="join-title"
    >
      <h1 id="join-title" className="text-xl font-semibold">
        Join {template.name ? `“${template.name}”` : "the class"}
      </h1>
      <p className="text-sm text-stone-600 dark:text-stone-400">
        You get your own copy to work in. Your teacher sees it under the name you give here.
      </p>
      <label className="block space-y-1 text-sm font-medium" htmlFor="display-name">
        <span>Your name</span>
        <input
          id="display-name"
          name="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={API_LIMITS.nameChars}
          autoComplete="name"
          required
          autoFocus
          className="block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base dark:border-stone-700 dark:bg-stone-950"
        />
      </label>
      {join.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {sentence(join.error.message)}
        </p>
      )}
      <Button type="submit" variant="primary" disabled={join.isPending || name.trim() === ""}>
        {join.isPending ? "Making your copy…" : "Join the class"}
      </Button>
    </form>
  );
}
