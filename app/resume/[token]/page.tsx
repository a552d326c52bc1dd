import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ResumePage } from "@/components/share/resume-page";

export const metadata: Metadata = { title: "Continue on this device · Sandpit", robots: { index: false } };

export default async function Resume({ params }: { params: Promise<{ token: string }> }): Promise<ReactNode> {
  return <ResumePage token={(await params).token} />;
}
