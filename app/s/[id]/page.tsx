import type { Metadata } from "next";
import type { ReactNode } from "react";
import { SessionWorkspace } from "@/components/session/session-workspace";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `${(await params).id} · Sandpit` };
}

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }): Promise<ReactNode> {
  const { id } = await params;
  let sessionId = id;
  try {
    sessionId = decodeURIComponent(id);
  } catch {
    // A malformed escape names no session: the workspace says it does not exist.
  }
  return <SessionWorkspace sessionId={sessionId} />;
}
