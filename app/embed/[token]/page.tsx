import type { Metadata } from "next";
import type { ReactNode } from "react";
import { EmbedWidget } from "@/components/share/embed-widget";
import type { EmbedTheme } from "@/components/share/embed-options";

export const metadata: Metadata = { title: "Sandpit" };

const THEMES: readonly EmbedTheme[] = ["auto", "light", "dark"];

/**
 * An embed link's page: the URL carries the embed link's own token (base64url, nothing to decode),
 * never a session id; `?theme=light|dark` and `?autorun=1` are the embedding page's choices.
 */
export default async function EmbedPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}): Promise<ReactNode> {
  const query = await searchParams;
  const theme = THEMES.find((t) => t === query.theme) ?? "auto";
  return <EmbedWidget token={(await params).token} theme={theme} autorun={query.autorun === "1"} />;
}
