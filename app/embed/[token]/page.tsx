import type { Metadata } from "next";
import type { ReactNode } from "react";
import { EmbedWidget } from "@/components/share/embed-widget";

export const metadata: Metadata = { title: "Sandpit" };

/** An embed link's page: the URL carries the embed link's own token (base64url, nothing to decode), never a session id. */
export default async function EmbedPage({ params }: { params: Promise<{ token: string }> }): Promise<ReactNode> {
  return <EmbedWidget token={(await params).token} />;
}
