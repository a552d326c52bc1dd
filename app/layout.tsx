import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Chrome } from "@/components/layout/chrome";
import { SiteFooter } from "@/components/layout/site-footer";
import { SiteHeader } from "@/components/layout/site-header";
import { ThemeScript } from "@/components/layout/theme-script";
import { TRPCReactProvider } from "@/lib/trpc/client";
import { getConfig } from "@/server/config";
import "./globals.css";

const TITLE = "Sandpit";
const DESCRIPTION = "Self-hostable web IDE and code sandboxes: set up an environment, run code, open shells, share by link.";
const SOCIAL_IMAGE = {
  url: "/og-image.png",
  width: 1200,
  height: 630,
  type: "image/png",
  alt: "Sandpit: a self-hostable web IDE",
};

/** The product card every page carries: icons, the web manifest (app/manifest.ts) and the social preview. */
export function generateMetadata(): Metadata {
  const publicUrl = getConfig().web.publicUrl;
  return {
    // Social previews need absolute image URLs: at the address people open, when it is configured.
    metadataBase: publicUrl ? new URL(publicUrl) : undefined,
    title: TITLE,
    description: DESCRIPTION,
    applicationName: TITLE,
    icons: {
      icon: [
        { url: "/favicon.svg", type: "image/svg+xml" },
        { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
      ],
      apple: { url: "/apple-touch-icon.png", sizes: "180x180" },
    },
    openGraph: { type: "website", siteName: TITLE, title: TITLE, description: DESCRIPTION, images: [SOCIAL_IMAGE] },
    twitter: { card: "summary_large_image", title: TITLE, description: DESCRIPTION, images: [SOCIAL_IMAGE] },
  };
}

export const viewport: Viewport = { themeColor: "#cfa657" };

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
