import type { Metadata } from "next";
import type { ReactNode } from "react";
import { SharedView } from "@/components/share/shared-view";

export const metadata: Metadata = { title: "Shared session · Sandpit" };

export default async function SharePage({ params }: { params: Promise<{ token: string }> }): Promise<ReactNode> {
  return <SharedView token={(await params).token} />;
}
