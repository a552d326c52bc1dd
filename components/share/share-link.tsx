"use client";

import { QRCodeSVG } from "qrcode.react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";

/** Where a link of this kind opens. */
export const linkPath = (role: string, token: string): string =>
  role === "class" ? `/class/${token}` : role === "embed" ? `/embed/${token}` : `/share/${token}`;

/** Copies text to the clipboard; falls back to selecting it where the Clipboard API is unavailable. */
export function CopyButton({ text, label, fallback }: { text: string; label: string; fallback?: () => void }): ReactNode {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      fallback?.();
    }
  };
  return (
    <Button aria-label={label} onClick={() => void copy()}>
      <span aria-live="polite">{copied ? "Copied" : "Copy"}</span>
    </Button>
  );
}

/** A QR code of a link, drawn by a kept library (qrcode.react), with a quiet zone scanners need. */
export function LinkQrCode({ url, size }: { url: string; size: number }): ReactNode {
  return (
    <QRCodeSVG
      value={url}
      size={size}
      marginSize={4}
      level="M"
      role="img"
      aria-label={`QR code for ${url}`}
      bgColor="#ffffff"
      fgColor="#000000"
      data-testid="share-qr"
    />
  );
}

/** A link shown full-screen for a projector: big text and a big QR code. Esc or Close ends it. */
export function PresentDialog({
  url,
  title,
  onClose,
  children,
}: {
  url: string;
  title: string;
  onClose: () => void;
  /** Shown under the link (a class's readiness). */
  children?: ReactNode;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  const size =
    typeof window === "undefined" ? 480 : Math.max(240, Math.min(window.innerHeight - 260, window.innerWidth - 80, 720));
  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-label={title}
      data-testid="present-dialog"
      className="fixed inset-0 m-0 h-full max-h-none w-full max-w-none bg-white p-0 text-stone-950 backdrop:bg-stone-950/80"
    >
      <div className="flex h-full flex-col items-center justify-center gap-6 p-6">
        <h2 className="text-3xl font-semibold">{title}</h2>
        <LinkQrCode url={url} size={size} />
        <p className="max-w-full font-mono text-2xl break-all md:text-4xl" data-testid="present-link">
          {url}
        </p>
        {children}
        <Button autoFocus onClick={() => dialog.current?.close()}>
          Close (Esc)
        </Button>
      </div>
    </dialog>
  );
}

/** Revoke, asking first: `warning` says what revoking does to the people holding the link. */
export function ConfirmRevoke({
  warning,
  pending,
  onRevoke,
  action = "Revoke",
  subject,
}: {
  warning: string;
  pending: boolean;
  onRevoke: () => void;
  /** The verb on the button: Revoke (a link), Remove (a student's copy). */
  action?: string;
  /** What is acted on, for screen readers when several rows carry the same button. */
  subject?: string;
}): ReactNode {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <Button variant="danger" onClick={() => setConfirming(true)} aria-label={subject ? `${action} ${subject}` : undefined}>
        {action}
      </Button>
    );
  return (
    <span className="flex items-center gap-2" role="group" aria-label={`Confirm ${action.toLowerCase()}`}>
      <span className="text-xs text-stone-600 dark:text-stone-300">{warning}</span>
      <Button variant="danger" disabled={pending} onClick={onRevoke}>
        Yes, {action.toLowerCase()}
      </Button>
      <Button variant="ghost" onClick={() => setConfirming(false)}>
        Cancel
      </Button>
    </span>
  );
}
