import type { MetadataRoute } from "next";

/** The web manifest (/manifest.webmanifest): name, colours and icons for installs and home screens. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: "Sandpit",
    short_name: "Sandpit",
    description: "Self-hostable web IDE and code sandboxes: set up an environment, run code, open shells, share by link.",
    start_url: "/",
    display: "standalone",
    background_color: "#1c1917",
    theme_color: "#cfa657",
    icons: [
      { src: "/favicon.svg", type: "image/svg+xml", sizes: "any" },
      { src: "/icon-192.png", type: "image/png", sizes: "192x192" },
      { src: "/icon-512.png", type: "image/png", sizes: "512x512" },
      { src: "/icon-maskable-512.png", type: "image/png", sizes: "512x512", purpose: "maskable" },
    ],
  };
}
