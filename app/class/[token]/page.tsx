import type { Metadata } from "next";
import type { ReactNode } from "react";
import { JoinClass } from "@/components/share/join-class";

export const metadata: Metadata = { title: "Class · Sandpit" };

export default async function ClassPage({ params }: { params: Promise<{ token: string }> }): Promise<ReactNode> {
  return <JoinClass token={(await params).token} />;
}
