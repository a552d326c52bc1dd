import "server-only";
import { createHmac } from "node:crypto";
import { derivedKey } from "@/server/auth/owner";

/**
 * The preview domain when none is configured: browsers resolve every *.localhost name to this
 * machine, and refuse cookies for `localhost` itself, so one session's preview cannot set cookies
 * another's receives (a shared parent such as preview.localhost would let it).
 */
export const DEFAULT_PREVIEW_DOMAIN = "localhost";

/** Where previews live: a scheme, a domain whose subdomains reach Sandpit, and a port (empty for the scheme's own). */
export interface PreviewBase {
  protocol: "http:" | "https:";
  domain: string;
  /** A fixed port, or undefined to follow the port the request reached Sandpit by. */
  port?: string;
}

export function previewBase(configured: string | undefined): PreviewBase {
  if (!configured) return { protocol: "http:", domain: DEFAULT_PREVIEW_DOMAIN };
  const url = new URL(configured);
  return { protocol: url.protocol === "https:" ? "https:" : "http:", domain: url.hostname.toLowerCase(), port: url.port };
}

/** base32 in lower case: host names are case-insensitive, session ids are not. */
function base32(bytes: Buffer): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A session's label in preview host names: 128 bits of a keyed hash of its id, so every session
 * (and every port, in front of it) gets an origin of its own whatever characters its id holds.
 */
export function sessionLabel(dataDir: string, sessionId: string): string {
  return base32(createHmac("sha256", derivedKey(dataDir, "preview-host")).update(sessionId).digest().subarray(0, 16));
}

/** The origin of one port's preview: `http://8000--<label>.localhost:3000`. */
export function previewOrigin(base: PreviewBase, label: string, port: number, requestPort: string): string {
  const shownPort = base.port ?? requestPort;
  return `${base.protocol}//${port}--${label}.${base.domain}${shownPort ? `:${shownPort}` : ""}`;
}

const LABEL = /^([1-9][0-9]{0,4})--([a-z2-7]{26})$/;

/** The port and session label a Host header names, when it is a preview host of `base`. */
export function parsePreviewHost(host: string | undefined, base: PreviewBase): { port: number; label: string } | undefined {
  if (!host) return undefined;
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const suffix = `.${base.domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const match = LABEL.exec(name.slice(0, -suffix.length));
  if (!match) return undefined;
  const port = Number(match[1]);
  return port <= 65_535 ? { port, label: match[2] as string } : undefined;
}

/**
 * True when a Host header is under the preview domain at all (a preview host or not). Under the
 * default, `localhost`, only preview host names are: Sandpit itself may be reached on localhost.
 */
export function isPreviewDomain(host: string | undefined, base: PreviewBase): boolean {
  if (!host) return false;
  if (base.domain === DEFAULT_PREVIEW_DOMAIN) return parsePreviewHost(host, base) !== undefined;
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  return name === base.domain || name.endsWith(`.${base.domain}`);
}

/** The port in a Host header ("" when it names none): previews follow the port Sandpit was reached by. */
export function hostPort(host: string | null | undefined): string {
  return /:(\d{1,5})$/.exec(host ?? "")?.[1] ?? "";
}
