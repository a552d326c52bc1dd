import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Chrome } from "@/components/layout/chrome";
import { SiteFooter } from "@/components/layout/site-footer";
import { SiteHeader } from "@/components/layout/site-header";
import { ThemeScript } from "@/components/layout/theme-script";
import { TRPCReactProvider } from "@/lib/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: "Sandpit",
  description: "Self-hostable web IDE and code sandboxes: set up an environment, run code, open shells, share by link.",
};

export default function RootLayout({ children }: { children: ReactNode }): ReactNode {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <ThemeScript />
      </head>
      <body className="flex min-h-screen flex-col">
        <TRPCReactProvider>
          <Chrome header={<SiteHeader />} footer={<SiteFooter />}>
            {children}
          </Chrome>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
