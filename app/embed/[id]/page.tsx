import type { Metadata } from "next";
import type { ReactNode } from "react";
import { EmbedWidget } from "@/components/share/embed-widget";

export const metadata: Metadata = { title: "Sandpit" };

export default async function EmbedPage({ params }: { params: Promise<{ id: string }> }): Promise<ReactNode> {
  return <EmbedWidget sessionId={decodeURIComponent((await params).id)} />;
}
