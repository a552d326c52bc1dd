// No "server-only" marker: next.config.ts imports this module.

/**
 * The Content-Security-Policy of every page. Everything comes from Sandpit itself (no CDN): Next's
 * inline bootstrap scripts and the theme script need 'unsafe-inline'; Monaco (served from /monaco)
 * starts its workers from blob: URLs; Monaco and xterm set inline styles.
 */
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];

/**
 * What pages may frame: Sandpit itself, and previews (server/preview), which live on subdomains of
 * the preview domain: localhost on any port by default, else SANDPIT_PREVIEW_URL's host.
 */
export function frameSources(previewUrl: string | undefined): string {
  if (!previewUrl) return "frame-src 'self' http://*.localhost:* https://*.localhost:*";
  try {
    const url = new URL(previewUrl);
    return `frame-src 'self' ${url.protocol}//*.${url.hostname}${url.port ? `:${url.port}` : ""}`;
  } catch {
    return "frame-src 'self'";
  }
}

/** Pages may not be framed (clickjacking); embed pages exist to be framed by any site. */
export function contentSecurityPolicy(framing: "none" | "any", previewUrl = process.env.SANDPIT_PREVIEW_URL): string {
  return [...DIRECTIVES, frameSources(previewUrl), `frame-ancestors ${framing === "none" ? "'none'" : "*"}`].join("; ");
}

export interface HeaderRule {
  source: string;
  headers: { key: string; value: string }[];
}

/** next.config.ts `headers()`: one rule for embed pages, one for everything else. */
export function securityHeaders(): HeaderRule[] {
  const common = [{ key: "X-Content-Type-Options", value: "nosniff" }];
  return [
    {
      source: "/:path((?!embed(?:/|$)).*)",
      headers: [
        ...common,
        { key: "Content-Security-Policy", value: contentSecurityPolicy("none") },
        { key: "X-Frame-Options", value: "DENY" },
      ],
    },
    {
      source: "/embed/:path*",
      headers: [...common, { key: "Content-Security-Policy", value: contentSecurityPolicy("any") }],
    },
  ];
}
