"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { useTRPC } from "@/lib/trpc/client";
import { AssignmentPanel } from "@/components/classroom/assignment-panel";
import { ClassCopies } from "./class-copies";
import { ClassReadiness, DEFAULT_CLASS_SIZE, PresentReadiness } from "./class-readiness";
import { EmbedChoiceFields, EmbedSnippet } from "./embed-options";
import { ResumeLinkPanel } from "./resume-link";
import { ConfirmRevoke, CopyButton, LinkQrCode, linkPath, PresentDialog } from "./share-link";

const EXPIRY = [
  ["never", undefined],
  ["1 hour", 3_600],
  ["1 day", 86_400],
  ["7 days", 7 * 86_400],
] as const;

const ROLE_LABEL: Record<string, string> = {
  view: "View link",
  fork: "Fork link",
  class: "Class link",
  embed: "Embed link",
};

type OwnedShare = {
  id: string;
  role: string;
  token: string | null;
  expires_at: string | null;
  embed: { path: string | null; editable: boolean } | null;
};

/** One active link: shown again whenever its owner comes back, with copy, QR, present and revoke. */
function ShareRow({
  share,
  sessionId,
  origin,
  fresh,
  onRevoke,
  revoking,
}: {
  share: OwnedShare;
  sessionId: string;
  origin: string;
  fresh: boolean;
  onRevoke: () => void;
  revoking: boolean;
}): ReactNode {
  const [showQr, setShowQr] = useState(share.role === "class");
  const [presenting, setPresenting] = useState(false);
  const [students, setStudents] = useState(DEFAULT_CLASS_SIZE);
  const input = useRef<HTMLInputElement>(null);
  const url = share.token ? `${origin}${linkPath(share.role, share.token)}` : null;
  const label = ROLE_LABEL[share.role] ?? "Link";
  return (
    <li
      className={`space-y-2 rounded-lg border p-3 ${fresh ? "border-sand-400" : "border-stone-200 dark:border-stone-800"}`}
      data-testid="share-row"
      data-role={share.role}
      data-fresh={fresh}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span>
          <StatusBadge status="completed" label={share.role} />{" "}
          <span className="text-xs text-stone-600 dark:text-stone-400">
            {share.expires_at ? `until ${new Date(share.expires_at).toLocaleString()}` : "no expiry"}
          </span>
        </span>
        <ConfirmRevoke warning="Revoke? People with the link lose access." pending={revoking} onRevoke={onRevoke} />
      </div>
      {url ? (
        <div className="flex flex-wrap items-center gap-2">
          <input
            ref={input}
            readOnly
            aria-label={label}
            data-testid="share-link"
            value={url}
            onFocus={(event) => event.target.select()}
            className="min-w-0 flex-1 rounded-md border border-stone-300 bg-stone-50 px-2 py-1.5 font-mono text-xs dark:border-stone-700 dark:bg-stone-950"
          />
          <CopyButton text={url} label={`Copy ${label.toLowerCase()}`} fallback={() => input.current?.select()} />
          <Button onClick={() => setShowQr(!showQr)} aria-expanded={showQr}>
            QR code
          </Button>
          <Button onClick={() => setPresenting(true)}>Present</Button>
        </div>
      ) : (
        <p className="text-xs text-stone-600 dark:text-stone-400">
          This link was made before links could be shown again; make a new one to copy it.
        </p>
      )}
      {url && showQr && (
        <div className="inline-block rounded-md bg-white p-1">
          <LinkQrCode url={url} size={160} />
        </div>
      )}
      {url && share.role === "embed" && share.token && (
        <div className="space-y-1">
          <p className="text-xs text-stone-600 dark:text-stone-400">
            Embed in a page: {share.embed?.path ?? "the entry file"}, {share.embed?.editable === false ? "read-only" : "editable"}
            ; each run happens in a throwaway copy and runs are rate-limited.
          </p>
          <EmbedSnippet url={url} />
        </div>
      )}
      {url && share.role === "class" && <ClassReadiness sessionId={sessionId} students={students} onStudents={setStudents} />}
      {url && presenting && (
        <PresentDialog url={url} title={share.role === "class" ? "Join the class" : label} onClose={() => setPresenting(false)}>
          {share.role === "class" && <PresentReadiness sessionId={sessionId} />}
        </PresentDialog>
      )}
    </li>
  );
}

/** Share links (view, fork, class, embed), their revocation, an embed link's snippet, and a classroom's copies. */
export function SharePanel({ sessionId, template }: { sessionId: string; template: boolean }): ReactNode {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<"view" | "fork" | "class" | "embed">("view");
  const [expiry, setExpiry] = useState(0);
  const [freshId, setFreshId] = useState<string | null>(null);
  const [embedChoice, setEmbedChoice] = useState({ path: "", editable: true });
  const shares = useQuery(trpc.shares.list.queryOptions({ id: sessionId }));
  const refresh = (): void => {
    void queryClient.invalidateQueries({ queryKey: trpc.shares.list.queryKey({ id: sessionId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.sessions.get.queryKey({ id: sessionId }) });
  };
  const create = useMutation(
    trpc.shares.create.mutationOptions({
      onSuccess: (share) => {
        setFreshId(share.id);
        refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.shares.revoke.mutationOptions({ onSuccess: refresh }));
  const session = useQuery(trpc.sessions.get.queryOptions({ id: sessionId }));
  const update = useMutation(trpc.sessions.update.mutationOptions({ onSuccess: refresh }));
  /** The choice as just made, shown at once (the saved one comes back with the session). */
  const [sharePreviews, setSharePreviews] = useState<boolean | null>(null);
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  // Expired links drop out when the list is next fetched; the server refuses them either way.
  const active = shares.data?.filter((s) => !s.revoked_at && !s.expired) ?? [];

  return (
    <details
      className="rounded-xl border border-stone-200 bg-white dark:border-stone-800 dark:bg-stone-900"
      data-testid="share-panel"
    >
      <summary className="cursor-pointer px-4 py-2 text-sm font-semibold">
        Share{active.length > 0 ? ` (${active.length} active link${active.length > 1 ? "s" : ""})` : ""}
      </summary>
      <div className="space-y-4 border-t border-stone-100 p-4 text-sm dark:border-stone-800">
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex flex-col gap-1">
            <span className="text-xs text-stone-600 dark:text-stone-400">People with the link may</span>
            <select
              value={role}
              onChange={(event) => setRole(event.target.value as typeof role)}
              className="rounded-md border border-stone-300 bg-white px-2 py-1.5 dark:border-stone-700 dark:bg-stone-950"
            >
              <option value="view">view (and fork to edit)</option>
              <option value="fork">fork and run</option>
              <option value="class">join the class: each gets a private copy</option>
              <option value="embed">run it embedded in a page (a Run button; each run in a throwaway copy)</option>
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-stone-600 dark:text-stone-400">Expires</span>
            <select
              value={expiry}
              onChange={(event) => setExpiry(Number(event.target.value))}
              className="rounded-md border border-stone-300 bg-white px-2 py-1.5 dark:border-stone-700 dark:bg-stone-950"
            >
              {EXPIRY.map(([label], index) => (
                <option key={label} value={index}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <Button
            variant="primary"
            disabled={create.isPending}
            onClick={() =>
              create.mutate({
                id: sessionId,
                role,
                expires_in: EXPIRY[expiry]?.[1],
                ...(role === "embed" ? { embed: { path: embedChoice.path || undefined, editable: embedChoice.editable } } : {}),
              })
            }
          >
            Create link
          </Button>
          {role === "embed" && <EmbedChoiceFields sessionId={sessionId} {...embedChoice} onChange={setEmbedChoice} />}
        </div>
        {create.isError && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            {create.error.message}
          </p>
        )}
        {active.length > 0 && (
          <ul className="space-y-2" aria-label="Active links">
            {active.map((share) => (
              <ShareRow
                key={share.id}
                share={share}
                sessionId={sessionId}
                origin={origin}
                fresh={share.id === freshId}
                revoking={revoke.isPending}
                onRevoke={() => revoke.mutate({ id: sessionId, share_id: share.id })}
              />
            ))}
          </ul>
        )}
        <label className="flex items-start gap-2">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={sharePreviews ?? session.data?.share_previews ?? false}
            disabled={!session.data}
            onChange={(event) => {
              const allowed = event.target.checked;
              setSharePreviews(allowed);
              update.mutate({ id: sessionId, patch: { share_previews: allowed } }, { onError: () => setSharePreviews(null) });
            }}
          />
          <span>
            People with a view or fork link may open its previews too (web apps running in it, while it runs)
            {update.isError && (
              <span role="alert" className="block text-red-700 dark:text-red-300">
                {update.error.message}
              </span>
            )}
          </span>
        </label>
        <ResumeLinkPanel />
        {template && <AssignmentPanel sessionId={sessionId} />}
        {template && <ClassCopies sessionId={sessionId} />}
      </div>
    </details>
  );
}
